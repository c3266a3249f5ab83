/* SPDX-License-Identifier: MIT */
/*
 * The QEMU virt 16550 UART at 0x10000000: the console (polled output) and
 * the monitor's input.  Registers per the NS16550A data sheet.
 */
#include "arch/riscv/riscv.h"

#define UART_BASE 0x10000000UL
#define RBR 0 /* receive buffer (read) */
#define THR 0 /* transmit holding (write) */
#define IER 1 /* interrupt enable */
#define LCR 3 /* line control */
#define LSR 5 /* line status */
#define LSR_DR 0x01 /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

static inline volatile unsigned char *reg(int r)
{
	return (volatile unsigned char *)(UART_BASE + (unsigned long)r);
}

void uart_init(void)
{
	*reg(IER) = 0x00; /* polled: no interrupts */
	*reg(LCR) = 0x03; /* 8 data bits, no parity, 1 stop bit */
	/*
	 * FCR is left alone: QEMU drops received bytes when the FIFO mode
	 * changes, and input piped in before boot must survive (run-qemu.sh).
	 */
}

void uart_putc(char c)
{
	while (!(*reg(LSR) & LSR_THRE))
		;
	*reg(THR) = (unsigned char)c;
}

int uart_getc(void)
{
	if (!(*reg(LSR) & LSR_DR))
		return -1;
	return *reg(RBR);
}
