#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/ip_vs.h>

// recvmmsg, which Swift's Glibc module declares only under _GNU_SOURCE, under a name of its own:
// struct lvsctl_mmsghdr is glibc's struct mmsghdr field for field, and the declaration names
// glibc's symbol. A netlink socket reads a dump's datagrams with it, several per system call.
#include <sys/socket.h>
#include <time.h>
struct lvsctl_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};
extern int lvsctl_recvmmsg(int fd, struct lvsctl_mmsghdr *vector, unsigned int count, int flags,
                           struct timespec *timeout) __asm__("recvmmsg");
#define LVSCTL_MSG_WAITFORONE 0x10000
