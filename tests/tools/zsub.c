/*
 * zsub.c - test subscriber: connect a ZeroMQ SUB socket, print each
 * [topic, payload] message as "topic<TAB>payload" on stdout, stop after a
 * number of messages whose topic starts with a prefix, or after a timeout.
 *   zsub ENDPOINT SECONDS [STOP_PREFIX COUNT]
 * Exit 0 when the count was reached (or no count given), 1 on timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	void *ctx, *sub;
	char topic[256], payload[1 << 16];
	const char *prefix = NULL;
	long want = 0, got = 0;
	double end;
	int n, m, more, timeout = 100;
	size_t sz = sizeof(more);

	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: zsub ENDPOINT SECONDS [PREFIX COUNT]\n");
		return 2;
	}
	if (argc == 5) {
		prefix = argv[3];
		want = atol(argv[4]);
	}
	end = now_s() + atof(argv[2]);
	ctx = zmq_ctx_new();
	sub = zmq_socket(ctx, ZMQ_SUB);
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	if (zmq_connect(sub, argv[1]) != 0) {
		fprintf(stderr, "zsub: %s: %s\n", argv[1],
		    zmq_strerror(zmq_errno()));
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fprintf(stderr, "zsub: connected\n");
	while (now_s() < end) {
		n = zmq_recv(sub, topic, sizeof(topic) - 1, 0);
		if (n < 0)
			continue;
		topic[n < (int)sizeof(topic) ? n : (int)sizeof(topic) - 1] = 0;
		more = 0;
		zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &sz);
		m = more ? zmq_recv(sub, payload, sizeof(payload) - 1, 0) : 0;
		if (m < 0)
			m = 0;
		payload[m < (int)sizeof(payload) ? m : (int)sizeof(payload) - 1]
		    = 0;
		printf("%s\t%s\n", topic, payload);
		if (prefix != NULL && strncmp(topic, prefix, strlen(prefix))
		    == 0 && ++got >= want)
			break;
	}
	zmq_close(sub);
	zmq_ctx_term(ctx);
	return prefix == NULL || got >= want ? 0 : 1;
}
