// The owner (uid) of one TCP socket on this host, found by its exact four-tuple through
// NETLINK_SOCK_DIAG (the kernel's lookup, as `ss` uses): the daemon asks it about the client end
// of a loopback connection, to refuse sandboxed children (docs/security.md).
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include "host_shims.h"

long lt_shim_tcp_socket_uid(int family, const void *src, unsigned short sport, const void *dst, unsigned short dport) {
    size_t alen = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
    if (alen == 0) return -EAFNOSUPPORT;
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return -errno;
    struct { struct nlmsghdr nlh; struct inet_diag_req_v2 r; } req;
    memset(&req, 0, sizeof req);
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nlh.nlmsg_flags = NLM_F_REQUEST;
    req.r.sdiag_family = (uint8_t)family;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = ~0U;
    req.r.id.idiag_sport = htons(sport);
    req.r.id.idiag_dport = htons(dport);
    memcpy(req.r.id.idiag_src, src, alen);
    memcpy(req.r.id.idiag_dst, dst, alen);
    req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
    if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&nl, sizeof nl) < 0) { int e = errno; close(fd); return -e; }
    long buf[2048];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    int e = errno;
    close(fd);
    if (n < 0) return -e;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type == NLMSG_ERROR) {
            struct nlmsgerr *err = NLMSG_DATA(h);
            return err->error < 0 ? err->error : -ENOENT;
        }
        if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
            struct inet_diag_msg *m = NLMSG_DATA(h);
            return (long)m->idiag_uid;
        }
    }
    return -ENOENT;
}
