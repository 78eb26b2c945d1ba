// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * debugfs: /sys/kernel/debug/bsdsync/witness/ shows the lock-order checker's state
 * (module/core/witness.h): graph.dot (the order graph as Graphviz DOT), reversals (one line
 * each, as seen so far, with their stacks), reset (write 1: forget the graph and the
 * reported pairs) and held (the locks each thread holds, below). The text
 * is made by the core when the file is opened (a snapshot; read it from the start), into a
 * buffer sized by asking first.
 * /sys/kernel/debug/bsdsync/lock_prof/ is lock profiling (module/core/lock_profile.h): stats
 * (the debug.lock.prof.stats table of BSD's LOCK_PROFILING), enable (read: 0 or 1; write 0 or 1) and reset
 * (write 1: forget every class). Writes to enable are serialised by prof_mutex.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include <bsdsync/lock_events.h>
#include "platform.h"

struct snapshot {
	size_t len;
	char text[];
};

static int snapshot_open(struct inode *inode, struct file *file,
			 unsigned long (*get)(char *, unsigned long))
{
	unsigned long need = get(NULL, 0);
	struct snapshot *s;

	/* The graph may grow between the two calls: retry with the bigger size. */
	for (;;) {
		s = kvmalloc(sizeof(*s) + need + 1, GFP_KERNEL);
		if (!s)
			return -ENOMEM;
		s->len = get(s->text, need + 1);
		if (s->len <= need)
			break;
		need = s->len;
		kvfree(s);
	}
	file->private_data = s;
	return 0;
}

static ssize_t snapshot_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
{
	struct snapshot *s = file->private_data;

	return simple_read_from_buffer(buf, count, pos, s->text, s->len);
}

static int snapshot_release(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

static int dot_open(struct inode *inode, struct file *file)
{
	return snapshot_open(inode, file, bsdsync_witness_dot);
}

static int reversals_open(struct inode *inode, struct file *file)
{
	return snapshot_open(inode, file, bsdsync_witness_reversals);
}

static const struct file_operations dot_fops = {
	.owner = THIS_MODULE,
	.open = dot_open,
	.read = snapshot_read,
	.release = snapshot_release,
	.llseek = default_llseek,
};

/*
 * held: the locks each thread holds, as its record says (every thread that has one: the
 * walk is over all threads under rcu_read_lock, so every task seen stays allocated, and a
 * record is recycled only after its task is freed). Another thread's held-locks stack is
 * read with relaxed loads while it may lock and unlock: a snapshot, possibly torn (a line
 * may pair one hold's lock with another's site); the acquisition file name is copied with
 * a fault-tolerant read. Spin locks (per CPU) are not shown.
 */
static void held_append(char *buf, unsigned long len, unsigned long *pos, const char *fmt, ...)
	__printf(4, 5);
static void held_append(char *buf, unsigned long len, unsigned long *pos, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	*pos += vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0, fmt, args);
	va_end(args);
}

/* A file name another thread's record points to, copied with fault-tolerant reads ("?" if
 * it cannot be read); returns its tail (the last 40 characters or less, from a '/'). */
static const char *copy_name(char *dst, size_t size, const char *src)
{
	size_t i, n;
	const char *t;

	for (i = 0; src && i < size - 1; i++) {
		if (copy_from_kernel_nofault(&dst[i], &src[i], 1)) {
			i = 0;
			break;
		}
		if (!dst[i])
			break;
	}
	dst[i] = '\0';
	if (!i)
		return "?";
	n = strlen(dst);
	if (n <= 40)
		return dst;
	t = dst + n - 40;
	return strchr(t, '/') ? strchr(t, '/') + 1 : t;
}

unsigned long bsdsync_witness_held_text(char *buf, unsigned long len)
{
	struct bsdsync_held_lock h[16];
	struct task_struct *g, *t;
	unsigned long pos = 0;
	char file[256];
	int i, n;

	if (len)
		buf[0] = '\0';
	rcu_read_lock();
	for_each_process_thread(g, t) {
		const void *state = bsdsync_td_find((const struct thread *)t);

		if (!state)
			continue;
		n = bsdsync_witness_held_of(state, h, ARRAY_SIZE(h));
		if (!n)
			continue;
		held_append(buf, len, &pos, "%s[%d]:\n", t->comm, task_pid_nr(t));
		for (i = 0; i < n; i++) {
			held_append(buf, len, &pos, "\t%s %p %s, acquired at %s:%d\n",
				    h[i].type ? h[i].type->name : "?", h[i].lock,
				    h[i].shared ? "shared" : "exclusive",
				    copy_name(file, sizeof(file), h[i].file), h[i].line);
		}
	}
	rcu_read_unlock();
	return pos;
}

static int held_open(struct inode *inode, struct file *file)
{
	return snapshot_open(inode, file, bsdsync_witness_held_text);
}

static const struct file_operations held_fops = {
	.owner = THIS_MODULE,
	.open = held_open,
	.read = snapshot_read,
	.release = snapshot_release,
	.llseek = default_llseek,
};

static const struct file_operations reversals_fops = {
	.owner = THIS_MODULE,
	.open = reversals_open,
	.read = snapshot_read,
	.release = snapshot_release,
	.llseek = default_llseek,
};

static ssize_t reset_write(struct file *file, const char __user *buf, size_t count,
			   loff_t *pos)
{
	bool yes;
	int err = kstrtobool_from_user(buf, count, &yes);

	if (err)
		return err;
	if (yes)
		bsdsync_witness_reset();
	return count;
}

static const struct file_operations reset_fops = {
	.owner = THIS_MODULE,
	.write = reset_write,
	.llseek = noop_llseek,
};

static int prof_stats_open(struct inode *inode, struct file *file)
{
	return snapshot_open(inode, file, bsdsync_lock_prof_stats);
}

static const struct file_operations prof_stats_fops = {
	.owner = THIS_MODULE,
	.open = prof_stats_open,
	.read = snapshot_read,
	.release = snapshot_release,
	.llseek = default_llseek,
};

static DEFINE_MUTEX(prof_mutex);

static ssize_t prof_enable_read(struct file *file, char __user *buf, size_t count,
				loff_t *pos)
{
	char text[3] = { bsdsync_lock_prof_enabled() ? '1' : '0', '\n', '\0' };

	return simple_read_from_buffer(buf, count, pos, text, 2);
}

static ssize_t prof_enable_write(struct file *file, const char __user *buf, size_t count,
				 loff_t *pos)
{
	bool on;
	int err = kstrtobool_from_user(buf, count, &on);

	if (err)
		return err;
	mutex_lock(&prof_mutex);
	bsdsync_lock_prof_enable(on);
	mutex_unlock(&prof_mutex);
	return count;
}

static const struct file_operations prof_enable_fops = {
	.owner = THIS_MODULE,
	.read = prof_enable_read,
	.write = prof_enable_write,
	.llseek = default_llseek,
};

static ssize_t prof_reset_write(struct file *file, const char __user *buf, size_t count,
				loff_t *pos)
{
	bool yes;
	int err = kstrtobool_from_user(buf, count, &yes);

	if (err)
		return err;
	if (yes) {
		mutex_lock(&prof_mutex);
		bsdsync_lock_prof_reset();
		mutex_unlock(&prof_mutex);
	}
	return count;
}

static const struct file_operations prof_reset_fops = {
	.owner = THIS_MODULE,
	.write = prof_reset_write,
	.llseek = noop_llseek,
};

static struct dentry *bsdsync_debugfs_root;

void bsdsync_debugfs_start(void)
{
	struct dentry *w;

	/* debugfs reports its failures as error pointers that the next calls accept: a
	 * kernel without debugfs simply has no files. */
	bsdsync_debugfs_root = debugfs_create_dir("bsdsync", NULL);
	w = debugfs_create_dir("witness", bsdsync_debugfs_root);
	debugfs_create_file("graph.dot", 0400, w, NULL, &dot_fops);
	debugfs_create_file("reversals", 0400, w, NULL, &reversals_fops);
	debugfs_create_file("reset", 0200, w, NULL, &reset_fops);
	debugfs_create_file("held", 0400, w, NULL, &held_fops);
	w = debugfs_create_dir("lock_prof", bsdsync_debugfs_root);
	debugfs_create_file("stats", 0400, w, NULL, &prof_stats_fops);
	debugfs_create_file("enable", 0600, w, NULL, &prof_enable_fops);
	debugfs_create_file("reset", 0200, w, NULL, &prof_reset_fops);
}

void bsdsync_debugfs_stop(void)
{
	debugfs_remove_recursive(bsdsync_debugfs_root);
	bsdsync_debugfs_root = NULL;
}
