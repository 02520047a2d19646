// epoll and eventfd, which Swift's Glibc module leaves out: the tcp probes' poller waits on them.
#include <sys/epoll.h>
#include <sys/eventfd.h>
