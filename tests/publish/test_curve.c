/*
 * test_curve.c - CurveZMQ key files and allow-lists (publish/curve.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "curve.h"

/* ZeroMQ RFC 32's test vector: 8 bytes, "HelloWorld". */
#define KEY_A	"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define KEY_B	"Rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]y#7"

/* Parse text from an exact-size copy, so ASan sees any overread. */
static enum curve_status
parse(const char *text, char out[CURVE_Z85_LEN + 1], size_t *line)
{
	size_t len = strlen(text);
	char *buf = malloc(len > 0 ? len : 1);
	enum curve_status st;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, text, len);
	st = curve_key_parse(buf, len, out, line);
	free(buf);
	return st;
}

START_TEST(test_z85_vector)
{
	unsigned char k[CURVE_KEY_LEN];
	/* "HelloWorld" x4 decodes to 0x86 4f d2 6f b5 59 f7 5b, repeated */
	static const unsigned char hw[8] = {
		0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b };
	size_t i;

	ck_assert_int_eq(curve_z85_decode("HelloWorldHelloWorld"
	    "HelloWorldHelloWorld", k), 0);
	for (i = 0; i < CURVE_KEY_LEN; i++)
		ck_assert_uint_eq(k[i], hw[i % 8]);
	/* "%nSc1" is 2^32 - 1 + 1: over. */
	ck_assert_int_eq(curve_z85_decode("%nSc1" "HelloWorldHelloWorld"
	    "HelloWorld12345", k), -1);
	ck_assert_int_eq(curve_z85_decode("%nSc0" "HelloWorldHelloWorld"
	    "HelloWorld12345", k), 0);
}
END_TEST

START_TEST(test_key_ok)
{
	char out[CURVE_Z85_LEN + 1];
	size_t line;

	ck_assert_int_eq(parse(KEY_A "\n", out, &line), CURVE_OK);
	ck_assert_str_eq(out, KEY_A);
	ck_assert_int_eq(parse(KEY_A, out, &line), CURVE_OK);
	ck_assert_int_eq(parse("  " KEY_A " \t\r\n", out, &line), CURVE_OK);
	ck_assert_str_eq(out, KEY_A);
	ck_assert_int_eq(parse("# mine\n\n" KEY_A "\n#\n", out, &line),
	    CURVE_OK);
	ck_assert_str_eq(out, KEY_A);
	ck_assert_int_eq(parse(KEY_B "\n", out, &line), CURVE_OK);
	ck_assert_str_eq(out, KEY_B);
	/* No key starts with '#' (over 2^32): such a line is a comment. */
	ck_assert_int_eq(parse("#" KEY_A "\n" KEY_B, out, &line), CURVE_OK);
	ck_assert_str_eq(out, KEY_B);
}
END_TEST

START_TEST(test_key_bad)
{
	char out[CURVE_Z85_LEN + 1];
	size_t line;

	ck_assert_int_eq(parse("", out, &line), CURVE_EMPTY);
	ck_assert_int_eq(parse("# nothing\n\n", out, &line), CURVE_EMPTY);
	ck_assert_int_eq(parse("\n" KEY_A "x\n", out, &line),
	    CURVE_BAD_LENGTH);
	ck_assert_uint_eq(line, 2);
	ck_assert_int_eq(parse("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\n",
	    out, &line), CURVE_BAD_LENGTH);
	ck_assert_int_eq(parse("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]y\"f\n",
	    out, &line), CURVE_BAD_Z85);
	ck_assert_int_eq(parse("rq:rM>}U?@Lns47E1%kR.o@n%Fcm sL/@{H8]yf7\n",
	    out, &line), CURVE_BAD_Z85);
	ck_assert_int_eq(parse(KEY_A "\n" KEY_A "\n", out, &line),
	    CURVE_MANY);
	ck_assert_uint_eq(line, 2);
}
END_TEST

/* Every prefix parses without overreading; only the full key is OK. */
START_TEST(test_key_prefixes)
{
	const char *full = KEY_A "\n";
	char out[CURVE_Z85_LEN + 1], buf[64];
	size_t n, line;

	for (n = 0; n < strlen(full); n++) {
		memcpy(buf, full, n);
		buf[n] = '\0';
		ck_assert_int_eq(parse(buf, out, &line) == CURVE_OK,
		    n == CURVE_Z85_LEN);
	}
}
END_TEST

START_TEST(test_allow)
{
	static const char text[] = "# team\n" KEY_A "\n\n" KEY_B "  \n";
	unsigned char k[CURVE_KEY_LEN], other[CURVE_KEY_LEN];
	struct curve_allow a;
	size_t line;

	ck_assert_int_eq(curve_allow_parse(text, strlen(text), &a, &line),
	    CURVE_OK);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_int_eq(curve_z85_decode(KEY_B, k), 0);
	ck_assert_int_eq(curve_allow_has(&a, k), 1);
	memcpy(other, k, sizeof(other));
	other[31] ^= 1;
	ck_assert_int_eq(curve_allow_has(&a, other), 0);
	curve_allow_fini(&a);
	ck_assert_int_eq(curve_allow_parse("#\n", 2, &a, &line), CURVE_EMPTY);
	curve_allow_fini(&a);
	ck_assert_int_eq(curve_allow_parse(KEY_A "\nbad\n", 45, &a, &line),
	    CURVE_BAD_LENGTH);
	ck_assert_uint_eq(line, 2);
	curve_allow_fini(&a);
}
END_TEST

START_TEST(test_load_missing)
{
	char out[CURVE_Z85_LEN + 1], err[256];

	ck_assert_int_eq(curve_key_load("/nonexistent/os.key", out, err,
	    sizeof(err)), EX_NOINPUT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/os.key"));
}
END_TEST

static Suite *
curve_suite(void)
{
	Suite *s = suite_create("curve");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_z85_vector);
	tcase_add_test(tc, test_key_ok);
	tcase_add_test(tc, test_key_bad);
	tcase_add_test(tc, test_key_prefixes);
	tcase_add_test(tc, test_allow);
	tcase_add_test(tc, test_load_missing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(curve_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
