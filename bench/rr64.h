/* A TCP request/response sim: 64 connections from 8 client hosts, 10 round
 * trips of 8 bytes each, then closed (bench_net times it, bench_tcp_mem runs
 * it 100,000 times for memory). */
#ifndef FUGUE_BENCH_RR64_H
#define FUGUE_BENCH_RR64_H

#include <fugue.h>
#include <fugue/net.h>
#include <stdint.h>

static void rr_conn(void *arg)
{
    int s = (int)(intptr_t)arg;
    char buf[64];
    int n;
    while ((n = fg_tcp_recv(s, buf, sizeof buf, FG_FOREVER)) > 0)
        fg_tcp_send(s, buf, (size_t)n, FG_FOREVER);
    fg_tcp_close(s);
}

static void rr_server(void *arg)
{
    (void)arg;
    int l = fg_tcp_listen("server:80", 128);
    int s;
    while ((s = fg_tcp_accept(l, NULL, FG_FOREVER)) >= 0)
        fg_spawn(rr_conn, (void *)(intptr_t)s);
}

static void rr_client(void *arg)
{
    (void)arg;
    int s = fg_tcp_connect("server:80", FG_FOREVER);
    fg_assert(s >= 0);
    for (int i = 0; i < 10; i++) {
        char buf[16];
        fg_assert(fg_tcp_send(s, "request!", 8, FG_FOREVER) == 8);
        for (int got = 0; got < 8;) {
            int n = fg_tcp_recv(s, buf + got, 8 - (size_t)got, FG_FOREVER);
            fg_assert(n > 0);
            got += n;
        }
    }
    fg_tcp_close(s);
}

/* 64 connections from 8 client hosts, 10 round trips each */
static inline void rr64(void *arg)
{
    (void)arg;
    fg_spawn(rr_server, NULL, .group = "server");
    static const char *hosts[8] = {"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"};
    for (int i = 0; i < 64; i++)
        fg_spawn(rr_client, NULL, .group = hosts[i % 8], .primary = true);
}

#endif
