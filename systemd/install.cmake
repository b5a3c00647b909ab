# Included by the top-level CMakeLists.txt: the systemd units, sysusers.d
# and tmpfiles.d entries and the default configuration for
# "cmake --install", and a Debian package for "cpack" (-G DEB).
#
# The units in this directory name /usr/sbin, /usr/bin and /etc, what a
# package installs to; they are installed with this build's directories.
# For a .deb configure with -DCMAKE_INSTALL_PREFIX=/usr.

foreach(unit originstatd.service originstat-csv.service)
  file(READ ${CMAKE_CURRENT_LIST_DIR}/${unit} text)
  string(REPLACE "/usr/sbin/originstatd "
    "${CMAKE_INSTALL_FULL_SBINDIR}/originstatd " text "${text}")
  string(REPLACE "/usr/bin/originstat "
    "${CMAKE_INSTALL_FULL_BINDIR}/originstat " text "${text}")
  string(REPLACE "/etc/originstat/"
    "${CMAKE_INSTALL_FULL_SYSCONFDIR}/originstat/" text "${text}")
  file(WRITE ${CMAKE_BINARY_DIR}/systemd/${unit} "${text}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_LIST_DIR}/${unit})
  install(FILES ${CMAKE_BINARY_DIR}/systemd/${unit}
    DESTINATION lib/systemd/system)
endforeach()
install(FILES ${CMAKE_CURRENT_LIST_DIR}/originstat.sysusers
  DESTINATION lib/sysusers.d RENAME originstat.conf)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/originstat.tmpfiles
  DESTINATION lib/tmpfiles.d RENAME originstat.conf)

# The default configuration; an existing one is never overwritten.
set(OS_CONF_DIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/originstat)
install(CODE "
  if(NOT EXISTS \"\$ENV{DESTDIR}${OS_CONF_DIR}/originstatd.conf\")
    file(INSTALL DESTINATION \"${OS_CONF_DIR}\" TYPE FILE
      RENAME originstatd.conf
      FILES \"${CMAKE_SOURCE_DIR}/docs/originstatd.conf.example\")
  endif()")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME originstat)
set(CPACK_PACKAGE_VENDOR originstat)
set(CPACK_PACKAGE_CONTACT "originstat maintainers <originstat@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "requests per minute by endpoint class and client country, from the wire")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS systemd)
find_program(OS_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(OS_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6, libpcap0.8, libmaxminddb0, libzmq5, libjansson4")
endif()
file(WRITE ${CMAKE_BINARY_DIR}/deb/conffiles "${OS_CONF_DIR}/originstatd.conf\n")
configure_file(${CMAKE_CURRENT_LIST_DIR}/postinst ${CMAKE_BINARY_DIR}/deb/postinst
  COPYONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_BINARY_DIR}/deb/conffiles ${CMAKE_BINARY_DIR}/deb/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
