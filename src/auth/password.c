/*
 * password.c - argon2id password hashes (see password.h), and reading a
 * password from a terminal or stdin for the CLI.
 *
 * Exports: see password.h.  Errors: messages never contain the password.
 */
#include <argon2.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "password.h"

#define SALT_LEN 16
#define TAG_LEN 32

static uint32_t t_cost = PASSWORD_T_COST, m_cost = PASSWORD_M_KIB, lanes = PASSWORD_LANES;

/* At most PASSWORD_CONCURRENCY hashes at once (each takes m_cost KiB). */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int running;

static void
gate_enter(void)
{
	pthread_mutex_lock(&gate_mu);
	while (running >= PASSWORD_CONCURRENCY)
		pthread_cond_wait(&gate_cv, &gate_mu);
	running++;
	pthread_mutex_unlock(&gate_mu);
}

static void
gate_leave(void)
{
	pthread_mutex_lock(&gate_mu);
	running--;
	pthread_cond_signal(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

void
password_params_set(uint32_t t, uint32_t m_kib, uint32_t p)
{
	t_cost = t;
	m_cost = m_kib;
	lanes = p;
}

void
password_params_get(uint32_t *t, uint32_t *m_kib, uint32_t *p)
{
	*t = t_cost;
	*m_kib = m_cost;
	*p = lanes;
}

int
password_check_policy(const char *pw, size_t n, char *err, size_t errlen)
{
	if (n < PASSWORD_MIN) {
		snprintf(err, errlen, "password too short (at least %d characters)", PASSWORD_MIN);
		return -1;
	}
	if (n > PASSWORD_MAX) {
		snprintf(err, errlen, "password too long (at most %d bytes)", PASSWORD_MAX);
		return -1;
	}
	if (memchr(pw, '\0', n) != NULL) {
		snprintf(err, errlen, "password contains a NUL byte");
		return -1;
	}
	return 0;
}

int
password_hash(const char *pw, size_t n, char *out, size_t outlen, char *err, size_t errlen)
{
	unsigned char salt[SALT_LEN];
	int rc;

	if (n > PASSWORD_MAX) {
		snprintf(err, errlen, "password too long (at most %d bytes)", PASSWORD_MAX);
		return -1;
	}
	if (auth_random(salt, sizeof(salt)) != 0) {
		snprintf(err, errlen, "no random bytes: %s", strerror(errno));
		return -1;
	}
	gate_enter();
	rc = argon2id_hash_encoded(t_cost, m_cost, lanes, pw, n, salt, sizeof(salt), TAG_LEN, out,
	    outlen);
	gate_leave();
	if (rc != ARGON2_OK) {
		snprintf(err, errlen, "argon2id: %s", argon2_error_message(rc));
		return -1;
	}
	return 0;
}

int
password_verify(const char *encoded, const char *pw, size_t n)
{
	int rc;

	if (encoded == NULL || strncmp(encoded, "$argon2id$", 10) != 0 || n > PASSWORD_MAX)
		return 0;
	gate_enter();
	rc = argon2id_verify(encoded, pw, n);
	gate_leave();
	if (rc == ARGON2_OK)
		return 1;
	if (rc == ARGON2_VERIFY_MISMATCH || rc == ARGON2_DECODING_FAIL ||
	    rc == ARGON2_DECODING_LENGTH_FAIL || rc == ARGON2_SALT_TOO_SHORT ||
	    rc == ARGON2_PWD_TOO_LONG)
		return 0;
	return -1;
}

/* A hash of random bytes with the current parameters: the same work as a
 * real verify, and no password matches it.  Made on first use (and again
 * after a change of parameters), under a lock. */
void
password_dummy_verify(const char *pw, size_t n)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char dummy[PASSWORD_HASH_MAX];
	char copy[PASSWORD_HASH_MAX];

	pthread_mutex_lock(&mu);
	if (dummy[0] == '\0' || password_needs_rehash(dummy)) {
		unsigned char rnd[24];
		char e[128];

		if (auth_random(rnd, sizeof(rnd)) != 0 ||
		    password_hash((const char *)rnd, sizeof(rnd), dummy, sizeof(dummy), e,
		    sizeof(e)) != 0)
			dummy[0] = '\0';
	}
	memcpy(copy, dummy, sizeof(copy));
	pthread_mutex_unlock(&mu);
	if (copy[0] != '\0')
		(void)password_verify(copy, pw, n);
}

int
password_needs_rehash(const char *encoded)
{
	char want[64];

	snprintf(want, sizeof(want), "$argon2id$v=%d$m=%u,t=%u,p=%u$", ARGON2_VERSION_NUMBER,
	    m_cost, t_cost, lanes);
	return encoded == NULL || strncmp(encoded, want, strlen(want)) != 0;
}

/* ---- reading a password (CLI) ---------------------------------------------------- */

static int
read_line(FILE *f, char *buf, size_t len, char *err, size_t errlen)
{
	size_t n;

	if (fgets(buf, (int)len, f) == NULL) {
		snprintf(err, errlen, "no password given");
		return -1;
	}
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n == len - 1 && !feof(f)) {
		OPENSSL_cleanse(buf, len);
		snprintf(err, errlen, "password too long (at most %d bytes)", PASSWORD_MAX);
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

static int
prompt_tty(FILE *tty, const char *prompt, char *buf, size_t len, char *err, size_t errlen)
{
	struct termios old, quiet;
	int fd = fileno(tty), rc;

	if (tcgetattr(fd, &old) != 0) {
		snprintf(err, errlen, "cannot read a password from the terminal: %s",
		    strerror(errno));
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	fputs(prompt, stderr);
	fflush(stderr);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	rc = read_line(tty, buf, len, err, errlen);
	tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

int
password_read(const char *prompt, const char *prompt2, int from_stdin, char *buf, size_t len,
    char *err, size_t errlen)
{
	char again[PASSWORD_MAX + 2];
	FILE *tty;
	int rc;

	if (from_stdin)
		return read_line(stdin, buf, len, err, errlen);
	if ((tty = fopen("/dev/tty", "r")) == NULL) {
		snprintf(err, errlen, "no terminal to ask for the password: use --password-stdin");
		return -1;
	}
	rc = prompt_tty(tty, prompt, buf, len, err, errlen);
	if (rc == 0 && prompt2 != NULL) {
		rc = prompt_tty(tty, prompt2, again, sizeof(again), err, errlen);
		if (rc == 0 && strcmp(buf, again) != 0) {
			snprintf(err, errlen, "the passwords do not match");
			rc = -1;
		}
		OPENSSL_cleanse(again, sizeof(again));
	}
	fclose(tty);
	if (rc != 0)
		OPENSSL_cleanse(buf, len);
	return rc;
}
