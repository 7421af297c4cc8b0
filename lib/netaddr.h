/* netaddr.h — lists of IP addresses and networks ("127.0.0.1, 10.0.0.0/8,
 * ::1, fd00::/8"), as the trusted_proxies setting holds them. */
#ifndef LF_NETADDR_H
#define LF_NETADDR_H

#include <stddef.h>

/* 0 when every entry (separated by commas and/or spaces) is an IPv4 or
 * IPv6 address, optionally with /prefix; else -1 with the reason in why.
 * An empty list is valid. */
int netaddr_list_valid(const char *list, char *why, size_t whylen);
/* 1 when s is one IPv4 or IPv6 address (no prefix), else 0. */
int netaddr_is_address(const char *s);
/* 1 when addr (a textual IPv4 or IPv6 address) is in the list, else 0. */
int netaddr_in_list(const char *list, const char *addr);

#endif
