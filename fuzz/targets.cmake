# The fuzz targets and their sources, shared by CMakeLists.txt (libFuzzer
# build) and replay.cmake (corpus replay in the ordinary build).
set(OS_FUZZ_TARGETS decode_flow http tls proxy config capfile)
