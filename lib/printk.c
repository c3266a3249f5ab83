/* SPDX-License-Identifier: MIT */
/*
 * The formatter (kvsnprintf) and the console printer (printk).
 * printk formats into a stack buffer and writes it under the console lock,
 * so a line printed by one hart never interleaves with another hart's.
 */
#include <stdbool.h>
#include <stdint.h>
#include "arch/arch.h"
#include "lib/printk.h"
#include "lib/string.h"

/* ---- output sink: a bounded buffer that still counts what overflows ----- */

struct sink {
	char *buf;
	size_t size; /* capacity including the terminating NUL */
	size_t len; /* characters produced so far (may exceed size) */
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

/* ---- one conversion spec ------------------------------------------------ */

struct spec {
	bool left; /* '-' */
	bool zero; /* '0' */
	bool plus; /* '+' */
	bool space; /* ' ' */
	bool alt; /* '#' */
	int width;
	int prec; /* -1: none */
	int len; /* 'H' hh, 'h', 0, 'l', 'L' ll/z/t/j */
};

/* Write a string field with width and precision. */
static void put_str(struct sink *s, const char *str, const struct spec *sp)
{
	size_t n;

	if (!str)
		str = "(null)";
	n = sp->prec >= 0 ? strnlen(str, sp->prec) : strlen(str);
	if (!sp->left)
		pad(s, ' ', sp->width - (int)n);
	for (size_t i = 0; i < n; i++)
		put(s, str[i]);
	if (sp->left)
		pad(s, ' ', sp->width - (int)n);
}

/*
 * Write an integer: v is the magnitude, neg its sign, base 8/10/16.
 * Layout: [pad spaces][sign or 0x][zeros][digits][left-justify spaces].
 */
static void put_num(struct sink *s, uint64_t v, bool neg, int base, bool upper,
		    const struct spec *sp)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	char prefix[3] = {0};
	int n = 0, zeros, plen, total;

	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v);
	if (sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0; /* "%.0d" of 0 prints nothing */
	if (neg)
		prefix[0] = '-';
	else if (sp->plus && base == 10)
		prefix[0] = '+';
	else if (sp->space && base == 10)
		prefix[0] = ' ';
	else if (sp->alt && base == 16 && n && !(n == 1 && tmp[0] == '0'))
		prefix[0] = '0', prefix[1] = upper ? 'X' : 'x';
	else if (sp->alt && base == 8 && tmp[n - 1] != '0')
		prefix[0] = '0';
	plen = (int)strlen(prefix);
	zeros = sp->prec > n ? sp->prec - n : 0;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > plen + n)
		zeros = sp->width - plen - n;
	total = plen + zeros + n;
	if (!sp->left)
		pad(s, ' ', sp->width - total);
	for (int i = 0; i < plen; i++)
		put(s, prefix[i]);
	pad(s, '0', zeros);
	while (n)
		put(s, tmp[--n]);
	if (sp->left)
		pad(s, ' ', sp->width - total);
}

/* ---- argument fetching -------------------------------------------------- */

static int64_t get_signed(va_list *ap, int len)
{
	switch (len) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t get_unsigned(va_list *ap, int len)
{
	switch (len) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned int);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned int);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* Parse flags, width, precision and length; returns the conversion char. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){.prec = -1};
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0)
			sp->left = true, sp->width = -sp->width;
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	if (f[0] == 'h' && f[1] == 'h')
		sp->len = 'H', f += 2;
	else if (f[0] == 'l' && f[1] == 'l')
		sp->len = 'L', f += 2;
	else if (*f == 'h' || *f == 'l')
		sp->len = *f++;
	else if (*f == 'z' || *f == 't' || *f == 'j')
		sp->len = 'l', f++; /* size_t, ptrdiff_t, intmax_t: 64-bit */
	return f;
}

/* %p, and %pS: a code address as "func+0x1c/0x80" when symbols exist. */
static const char *put_pointer(struct sink *s, const char *f, void *p,
			       struct spec *sp)
{
	char sym[96];

	if (f[1] == 'S') {
		if (arch_symbolize((unsigned long)p, sym, sizeof(sym))) {
			put_str(s, sym, sp);
			return f + 1;
		}
		f++; /* no symbols: fall back to the address */
	}
	sp->alt = true;
	put_num(s, (uintptr_t)p, false, 16, false, sp);
	return f;
}

static const char *convert(struct sink *s, const char *f, struct spec *sp,
			   va_list *ap)
{
	int64_t v;

	switch (*f) {
	case 'd':
	case 'i':
		v = get_signed(ap, sp->len);
		put_num(s, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false,
			sp);
		break;
	case 'u':
		put_num(s, get_unsigned(ap, sp->len), false, 10, false, sp);
		break;
	case 'x':
	case 'X':
		put_num(s, get_unsigned(ap, sp->len), false, 16, *f == 'X', sp);
		break;
	case 'o':
		put_num(s, get_unsigned(ap, sp->len), false, 8, false, sp);
		break;
	case 'c': {
		char c[2] = {(char)va_arg(*ap, int), 0};

		sp->prec = 1;
		put_str(s, c, sp);
		break;
	}
	case 's':
		put_str(s, va_arg(*ap, const char *), sp);
		break;
	case 'p':
		f = put_pointer(s, f, va_arg(*ap, void *), sp);
		break;
	case '%':
		put(s, '%');
		break;
	default: /* unknown: print it literally so the bug is visible */
		put(s, '%');
		if (*f)
			put(s, *f);
		else
			f--;
	}
	return f + 1;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {buf, size, 0};
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		fmt = convert(&s, fmt, &sp, &aq);
	}
	va_end(aq);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- the console -------------------------------------------------------- */

/*
 * The console lock is a bare test-and-set word rather than a spinlock_t:
 * spinlock reports themselves go through printk, and a hart that traps
 * while printing must still be able to print its trap report (the owner
 * check below lets it through instead of deadlocking).
 */
static unsigned int console_locked;
static int console_owner = -1;

/* The capture buffer (printk_capture_start); guarded by the console lock. */
static char *cap_buf;
static size_t cap_size, cap_len;

static void capture(const char *s, size_t len)
{
	if (!cap_buf)
		return;
	if (len > cap_size - 1 - cap_len)
		len = cap_size - 1 - cap_len;
	memcpy(cap_buf + cap_len, s, len);
	cap_len += len;
	cap_buf[cap_len] = '\0';
}

static void console_write_line(const char *s, size_t len)
{
	unsigned long flags = arch_irq_save();
	int me = (int)arch_cpu_id();
	bool nested = __atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me;

	if (!nested) {
		while (__atomic_exchange_n(&console_locked, 1,
					   __ATOMIC_ACQUIRE))
			arch_cpu_relax();
		__atomic_store_n(&console_owner, me, __ATOMIC_RELAXED);
	}
	arch_console_write(s, len);
	capture(s, len);
	if (!nested) {
		__atomic_store_n(&console_owner, -1, __ATOMIC_RELAXED);
		__atomic_store_n(&console_locked, 0, __ATOMIC_RELEASE);
	}
	arch_irq_restore(flags);
}

static void console_lock_take(void)
{
	while (__atomic_exchange_n(&console_locked, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
}

bool printk_capture_start(char *buf, size_t size)
{
	unsigned long flags = arch_irq_save();
	bool ok;

	console_lock_take();
	ok = !cap_buf && buf && size;
	if (ok) {
		cap_buf = buf;
		cap_size = size;
		cap_len = 0;
		buf[0] = '\0';
	}
	__atomic_store_n(&console_locked, 0, __ATOMIC_RELEASE);
	arch_irq_restore(flags);
	return ok;
}

size_t printk_capture_stop(void)
{
	unsigned long flags = arch_irq_save();
	size_t len;

	console_lock_take();
	len = cap_len;
	cap_buf = NULL;
	cap_size = cap_len = 0;
	__atomic_store_n(&console_locked, 0, __ATOMIC_RELEASE);
	arch_irq_restore(flags);
	return len;
}

/* Lines longer than the buffer are cut and marked with "..." */
#define PRINTK_BUF 512

int vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_BUF];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = (size_t)n;

	if (len >= sizeof(buf)) {
		len = sizeof(buf) - 1;
		memcpy(buf + len - 4, "...\n", 4);
	}
	console_write_line(buf, len);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
