/*
 * tail.h - `originstat tail`: follow an originstatd's counts live.
 */
#ifndef ORIGINSTAT_TAIL_H
#define ORIGINSTAT_TAIL_H

/* `originstat tail ...`: argv[0] is "tail"; returns an exit status. */
int	tail_main(int argc, char *argv[]);

#endif
