/*
 * The FreeBSD services drivers are married to: callout(9) and taskqueue(9) (kthread(9) has
 * no state of its own). Their threads start and stop with the personality (mtx_pool.cpp).
 */
#ifndef BSDSYNC_FREEBSD_SERVICES_H
#define BSDSYNC_FREEBSD_SERVICES_H

namespace bsdsync::fbsd {

int callout_start();	/* 0 or a positive errno */
void callout_stop_thread();
int taskqueue_start();	/* the global queues: taskqueue_thread, taskqueue_swi, taskqueue_fast */
void taskqueue_stop();

} // namespace bsdsync::fbsd

#endif
