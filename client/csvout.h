/*
 * csvout.h - `originstat csv`: the daemon's per-minute CSV, rebuilt by a
 * subscriber on another machine, byte for byte (publish/csv.h format,
 * CSV_HEADER).
 */
#ifndef ORIGINSTAT_CSVOUT_H
#define ORIGINSTAT_CSVOUT_H

#include <stdint.h>

/*
 * The minute of the last complete row of the CSV file at path, without
 * changing the file: 0 with *minute set, 1 if the file is missing or has
 * no complete row, -1 if it is not such a CSV or cannot be read (errno
 * set; EINVAL for a foreign file).
 */
int	csvout_last_minute(const char *path, int64_t *minute)
	    __attribute__((warn_unused_result));

/* `originstat csv ...`: argv[0] is "csv"; returns an exit status. */
int	csvout_main(int argc, char *argv[]);

#endif
