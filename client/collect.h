/*
 * collect.h - `originstat collect`: one picture from several sensors.
 *
 * Follows any number of originstatd sensors (one subscriber, sub.h, per
 * sensor), merges their minutes by (minute, class, country) - requests and
 * handshakes summed, distinct-client sketches united - and republishes the
 * result in wire format v1 (docs/wire.md), with a snapshot service, and
 * optionally as the same CSV originstatd writes.  docs/deploy.md describes
 * a deployment.
 */
#ifndef ORIGINSTAT_COLLECT_H
#define ORIGINSTAT_COLLECT_H

/* `originstat collect ...`: argv[0] is "collect"; returns an exit status. */
int	collect_main(int argc, char *argv[]);

#endif
