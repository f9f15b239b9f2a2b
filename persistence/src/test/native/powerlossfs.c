/*
 * powerlossfs: a FUSE file system for tests that loses, on a simulated power cut, every byte and
 * every name change that was not fsynced. See README.md beside this file for the durability
 * model, the control protocol and the limits.
 *
 * Usage: powerlossfs BACKING MOUNTPOINT CONTROL_SOCKET
 *
 * BACKING is a plain directory tree that holds exactly the durable state at every moment (plus
 * the private folder BACKING/.powerlossfs, which links every live file by number and is removed at
 * exit). Writes not yet fsynced live in this process's memory, one 4 KiB page at a time. A power
 * cut ("cut" on the control socket) freezes the file system (every later change fails with EIO
 * and changes nothing); the tests then kill the writers and unmount: what BACKING holds then is
 * what a disk would hold after the power loss. Mounting again starts from BACKING alone, with a
 * fresh kernel page cache.
 *
 * Design notes:
 * [1] One mutex (big_lock) guards all state; FUSE requests run on one thread (fuse_loop), the
 *     control socket on another.
 * [2] A regular file is an inode with a number; its durable bytes are in BACKING/.powerlossfs/<n>
 *     (hard links to it are its durable names). Pages written since its last fsync are held in
 *     memory ("in memory" means "not yet durable"). Bytes at or past trunc_floor that are not in a
 *     page in memory read as zeros (a truncation not yet fsynced).
 * [3] A directory has its live entries and its durable entries (regular files only). fsync of the
 *     directory makes the durable entries equal to the live ones by unlinking and linking names in
 *     BACKING. Directories themselves (mkdir, rmdir, rename of a directory) change BACKING at once.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PG 4096
#define PRIV ".powerlossfs"
#define NO_FLOOR INT64_MAX

struct inode;

struct entry {
  char *name;
  struct inode *ino;
};

struct entries {
  struct entry *v;
  size_t n, cap;
};

struct inode {
  uint64_t id;
  int is_dir;
  mode_t mode; /* permission bits */
  struct timespec atime, mtime, ctime;
  char *name; /* last name (files: for fault matching; directories: name in parent) */
  /* regular files */
  int64_t size;        /* live size */
  int64_t trunc_floor; /* [2] */
  unsigned char **pages;
  size_t npages_cap;
  size_t pages_in_memory;
  int pending; /* changed since the last fsync (data or size) */
  int nlink;   /* live names */
  int dnlink;  /* durable names */
  int open;    /* open handles */
  int backfd;  /* BACKING/.powerlossfs/<id>, or -1 once freed */
  /* directories */
  struct inode *parent;
  struct entries live, durable;
};

enum rule_kind { RULE_FSYNC, RULE_WRITE };

struct rule {
  enum rule_kind kind;
  long count; /* -1: until cleared */
  int err;
  char match[256]; /* substring of the file's name; empty: any */
  struct rule *next;
};

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static char *backing_root;
static char *mount_point;
static char *control_path;
static int priv_fd = -1;
static struct inode *root;
static uint64_t next_id = 1;
static int frozen;
static struct rule *rules;
static struct fuse *the_fuse;
static unsigned long st_fsyncs, st_fsync_failed, st_dirsyncs, st_writes, st_write_failed,
    st_frozen_refused;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "powerlossfs: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

static void *xcalloc(size_t n, size_t s) {
  void *p = calloc(n, s);
  if (p == NULL) die("out of memory");
  return p;
}

static void now(struct timespec *t) { clock_gettime(CLOCK_REALTIME, t); }

/* ---- entries ---------------------------------------------------------------------------- */

static struct entry *entries_find(struct entries *es, const char *name) {
  for (size_t i = 0; i < es->n; i++) {
    if (strcmp(es->v[i].name, name) == 0) return &es->v[i];
  }
  return NULL;
}

static void entries_add(struct entries *es, const char *name, struct inode *ino) {
  if (es->n == es->cap) {
    es->cap = es->cap ? es->cap * 2 : 8;
    es->v = realloc(es->v, es->cap * sizeof *es->v);
    if (es->v == NULL) die("out of memory");
  }
  es->v[es->n].name = strdup(name);
  es->v[es->n].ino = ino;
  es->n++;
}

static void entries_remove(struct entries *es, struct entry *e) {
  free(e->name);
  size_t i = (size_t)(e - es->v);
  es->v[i] = es->v[es->n - 1];
  es->n--;
}

/* ---- inodes ----------------------------------------------------------------------------- */

static void priv_name(uint64_t id, char *buf, size_t len) {
  snprintf(buf, len, "%llu", (unsigned long long)id);
}

static struct inode *inode_new(int is_dir, mode_t mode, const char *name) {
  struct inode *ino = xcalloc(1, sizeof *ino);
  ino->id = next_id++;
  ino->is_dir = is_dir;
  ino->mode = mode & 07777;
  ino->name = strdup(name);
  ino->trunc_floor = NO_FLOOR;
  ino->backfd = -1;
  now(&ino->mtime);
  ino->atime = ino->ctime = ino->mtime;
  return ino;
}

static void drop_pages(struct inode *ino) {
  for (size_t i = 0; i < ino->npages_cap; i++) {
    free(ino->pages[i]);
    ino->pages[i] = NULL;
  }
  ino->pages_in_memory = 0;
}

/* Frees a file nobody can reach any more: no live name, no open handle, no durable name. */
static void maybe_free(struct inode *ino) {
  if (ino->is_dir || ino->nlink > 0 || ino->open > 0) return;
  drop_pages(ino);
  if (ino->dnlink > 0) return; /* still durable under some name until its directory is fsynced */
  if (ino->backfd >= 0) {
    close(ino->backfd);
    ino->backfd = -1;
    char n[32];
    priv_name(ino->id, n, sizeof n);
    unlinkat(priv_fd, n, 0);
  }
  free(ino->pages);
  free(ino->name);
  free(ino);
}

/* Reads page p as the live file shows it when the page is not in memory. */
static int fill_from_backing(struct inode *ino, size_t p, unsigned char *buf) {
  memset(buf, 0, PG);
  int64_t start = (int64_t)p * PG;
  int64_t limit = ino->trunc_floor < start + PG ? ino->trunc_floor : start + PG;
  if (limit <= start) return 0;
  size_t want = (size_t)(limit - start), got = 0;
  while (got < want) {
    ssize_t r = pread(ino->backfd, buf + got, want - got, start + (int64_t)got);
    if (r < 0) return -errno;
    if (r == 0) break;
    got += (size_t)r;
  }
  return 0;
}

static int page_for_write(struct inode *ino, size_t p, unsigned char **out) {
  if (p >= ino->npages_cap) {
    size_t cap = ino->npages_cap ? ino->npages_cap : 16;
    while (cap <= p) cap *= 2;
    ino->pages = realloc(ino->pages, cap * sizeof *ino->pages);
    if (ino->pages == NULL) die("out of memory");
    memset(ino->pages + ino->npages_cap, 0, (cap - ino->npages_cap) * sizeof *ino->pages);
    ino->npages_cap = cap;
  }
  if (ino->pages[p] == NULL) {
    unsigned char *pg = malloc(PG);
    if (pg == NULL) die("out of memory");
    int r = fill_from_backing(ino, p, pg);
    if (r < 0) {
      free(pg);
      return r;
    }
    ino->pages[p] = pg;
    ino->pages_in_memory++;
  }
  *out = ino->pages[p];
  return 0;
}

/* ---- faults ----------------------------------------------------------------------------- */

/* Returns the error of the first rule of this kind matching the name (consuming one count), or 0. */
static int fault(enum rule_kind kind, const char *name) {
  for (struct rule **rp = &rules; *rp != NULL; rp = &(*rp)->next) {
    struct rule *r = *rp;
    if (r->kind != kind || (r->match[0] && strstr(name, r->match) == NULL)) continue;
    int err = r->err;
    if (r->count > 0 && --r->count == 0) {
      *rp = r->next;
      free(r);
    }
    return err;
  }
  return 0;
}

/* ---- paths ------------------------------------------------------------------------------ */

static struct inode *lookup(const char *path) {
  struct inode *cur = root;
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) return NULL;
  strcpy(buf, path);
  char *save = NULL;
  for (char *part = strtok_r(buf, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
    if (!cur->is_dir) return NULL;
    struct entry *e = entries_find(&cur->live, part);
    if (e == NULL) return NULL;
    cur = e->ino;
  }
  return cur;
}

/* Splits path into its parent directory (which must exist) and last name. */
static int parent_of(const char *path, struct inode **parent, const char **name) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL || slash[1] == '\0') return -EINVAL;
  char buf[PATH_MAX];
  size_t len = (size_t)(slash - path);
  if (len >= sizeof buf) return -ENAMETOOLONG;
  memcpy(buf, path, len);
  buf[len] = '\0';
  struct inode *p = len == 0 ? root : lookup(buf);
  if (p == NULL) return -ENOENT;
  if (!p->is_dir) return -ENOTDIR;
  *parent = p;
  *name = slash + 1;
  if (strlen(*name) > 255) return -ENAMETOOLONG;
  if (p == root && strcmp(*name, PRIV) == 0) return -EPERM;
  return 0;
}

/* The path in BACKING of a directory (directories change BACKING at once, [3]). */
static void backing_dir(struct inode *dir, char *buf, size_t len) {
  if (dir == root) {
    snprintf(buf, len, "%s", backing_root);
    return;
  }
  char up[PATH_MAX];
  backing_dir(dir->parent, up, sizeof up);
  snprintf(buf, len, "%s/%s", up, dir->name);
}

static struct inode *file_of(const char *path, struct fuse_file_info *fi) {
  if (fi != NULL && fi->fh != 0) return (struct inode *)(uintptr_t)fi->fh;
  return path ? lookup(path) : NULL;
}

/* ---- durability ------------------------------------------------------------------------- */

static int make_file_durable(struct inode *ino) {
  struct stat st;
  if (fstat(ino->backfd, &st) < 0) return -errno;
  if (ino->trunc_floor < st.st_size && ftruncate(ino->backfd, ino->trunc_floor) < 0) return -errno;
  for (size_t p = 0; p < ino->npages_cap; p++) {
    if (ino->pages[p] == NULL) continue;
    int64_t start = (int64_t)p * PG;
    if (start < ino->size) {
      size_t n = ino->size - start < PG ? (size_t)(ino->size - start) : PG;
      if (pwrite(ino->backfd, ino->pages[p], n, start) != (ssize_t)n) return -EIO;
    }
  }
  if (ftruncate(ino->backfd, ino->size) < 0) return -errno;
  drop_pages(ino);
  ino->trunc_floor = NO_FLOOR;
  ino->pending = 0;
  return 0;
}

static int fsync_file(struct inode *ino) {
  if (frozen) {
    st_frozen_refused++;
    return -EIO;
  }
  int err = fault(RULE_FSYNC, ino->name);
  if (err) {
    /* Linux after a failed writeback: the dirty pages are dropped (marked clean) and never reach
     * the disk; a later fsync reports success without them. */
    drop_pages(ino);
    st_fsync_failed++;
    return -err;
  }
  st_fsyncs++;
  return ino->pending ? make_file_durable(ino) : 0;
}

static int fsync_dir(struct inode *dir) {
  char dpath[PATH_MAX], priv[32], target[PATH_MAX];
  backing_dir(dir, dpath, sizeof dpath);
  /* Names gone or pointing elsewhere: unlink them first. */
  for (size_t i = 0; i < dir->durable.n;) {
    struct entry *d = &dir->durable.v[i];
    struct entry *l = entries_find(&dir->live, d->name);
    if (l != NULL && l->ino == d->ino) {
      i++;
      continue;
    }
    snprintf(target, sizeof target, "%s/%s", dpath, d->name);
    if (unlink(target) < 0 && errno != ENOENT) return -errno;
    struct inode *gone = d->ino;
    gone->dnlink--;
    entries_remove(&dir->durable, d);
    maybe_free(gone);
  }
  /* Then new names: link them to the file's durable bytes. */
  for (size_t i = 0; i < dir->live.n; i++) {
    struct entry *l = &dir->live.v[i];
    if (l->ino->is_dir || entries_find(&dir->durable, l->name) != NULL) continue;
    priv_name(l->ino->id, priv, sizeof priv);
    snprintf(target, sizeof target, "%s/%s", dpath, l->name);
    if (linkat(priv_fd, priv, AT_FDCWD, target, 0) < 0) return -errno;
    l->ino->dnlink++;
    entries_add(&dir->durable, l->name, l->ino);
  }
  st_dirsyncs++;
  return 0;
}

static int sync_all(struct inode *dir) {
  for (size_t i = 0; i < dir->live.n; i++) {
    struct inode *c = dir->live.v[i].ino;
    int r = c->is_dir ? sync_all(c) : (c->pending ? make_file_durable(c) : 0);
    if (r < 0) return r;
  }
  return fsync_dir(dir);
}

/* ---- FUSE operations -------------------------------------------------------------------- */

/* Runs the body under big_lock; a break in the body leaves it with res_ as the result. */
#define LOCKED(...)                    \
  do {                                 \
    pthread_mutex_lock(&big_lock);     \
    int res_ = 0;                      \
    do {                               \
      __VA_ARGS__                      \
    } while (0);                       \
    pthread_mutex_unlock(&big_lock);   \
    return res_;                       \
  } while (0)

#define REFUSE_IF_FROZEN()        \
  if (frozen) {                   \
    st_frozen_refused++;          \
    res_ = -EIO;                  \
    break;                        \
  }

static void fill_stat(struct inode *ino, struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_ino = ino->id;
  st->st_uid = getuid();
  st->st_gid = getgid();
  st->st_atim = ino->atime;
  st->st_mtim = ino->mtime;
  st->st_ctim = ino->ctime;
  st->st_blksize = PG;
  if (ino->is_dir) {
    st->st_mode = S_IFDIR | ino->mode;
    st->st_nlink = 2;
  } else {
    st->st_mode = S_IFREG | ino->mode;
    st->st_nlink = ino->nlink;
    st->st_size = ino->size;
    st->st_blocks = (ino->size + 511) / 512;
  }
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->use_ino = 1;
  cfg->hard_remove = 1;
  cfg->nullpath_ok = 1;
  cfg->direct_io = 0;
  cfg->kernel_cache = 0;
  return NULL;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  LOCKED({
    struct inode *ino = file_of(path, fi);
    if (ino == NULL) {
      res_ = -ENOENT;
      break;
    }
    fill_stat(ino, st);
  });
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)off;
  (void)flags;
  LOCKED({
    struct inode *dir = file_of(path, fi);
    if (dir == NULL || !dir->is_dir) {
      res_ = dir ? -ENOTDIR : -ENOENT;
      break;
    }
    filler(buf, ".", NULL, 0, 0);
    filler(buf, "..", NULL, 0, 0);
    for (size_t i = 0; i < dir->live.n; i++) {
      struct stat st;
      fill_stat(dir->live.v[i].ino, &st);
      filler(buf, dir->live.v[i].name, &st, 0, 0);
    }
  });
}

static int op_opendir(const char *path, struct fuse_file_info *fi) {
  LOCKED({
    struct inode *dir = lookup(path);
    if (dir == NULL) res_ = -ENOENT;
    else if (!dir->is_dir) res_ = -ENOTDIR;
    else fi->fh = (uint64_t)(uintptr_t)dir;
  });
}

static int op_mkdir(const char *path, mode_t mode) {
  LOCKED({
    REFUSE_IF_FROZEN();
    struct inode *parent;
    const char *name;
    if ((res_ = parent_of(path, &parent, &name)) < 0) break;
    if (entries_find(&parent->live, name)) {
      res_ = -EEXIST;
      break;
    }
    char dpath[PATH_MAX], target[PATH_MAX];
    backing_dir(parent, dpath, sizeof dpath);
    snprintf(target, sizeof target, "%s/%s", dpath, name);
    if (mkdir(target, mode & 07777) < 0) {
      res_ = -errno;
      break;
    }
    struct inode *d = inode_new(1, mode, name);
    d->parent = parent;
    entries_add(&parent->live, name, d);
  });
}

static int op_rmdir(const char *path) {
  LOCKED({
    REFUSE_IF_FROZEN();
    struct inode *parent;
    const char *name;
    if ((res_ = parent_of(path, &parent, &name)) < 0) break;
    struct entry *e = entries_find(&parent->live, name);
    if (e == NULL) {
      res_ = -ENOENT;
      break;
    }
    struct inode *d = e->ino;
    if (!d->is_dir) {
      res_ = -ENOTDIR;
      break;
    }
    if (d->live.n > 0) {
      res_ = -ENOTEMPTY;
      break;
    }
    /* The removal is durable at once [3], so are the removals of the names it still held. */
    if ((res_ = fsync_dir(d)) < 0) break;
    char dpath[PATH_MAX];
    backing_dir(d, dpath, sizeof dpath);
    if (rmdir(dpath) < 0) {
      res_ = -errno;
      break;
    }
    entries_remove(&parent->live, e);
    /* The directory object is kept: an open handle may still name it. */
  });
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  LOCKED({
    REFUSE_IF_FROZEN();
    struct inode *parent;
    const char *name;
    if ((res_ = parent_of(path, &parent, &name)) < 0) break;
    struct entry *e = entries_find(&parent->live, name);
    if (e != NULL) {
      res_ = -EEXIST;
      break;
    }
    struct inode *f = inode_new(0, mode, name);
    char n[32];
    priv_name(f->id, n, sizeof n);
    f->backfd = openat(priv_fd, n, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (f->backfd < 0) {
      res_ = -errno;
      free(f->name);
      free(f);
      break;
    }
    f->nlink = 1;
    f->open = 1;
    entries_add(&parent->live, name, f);
    fi->fh = (uint64_t)(uintptr_t)f;
  });
}

static int truncate_file(struct inode *f, int64_t size);

static int op_open(const char *path, struct fuse_file_info *fi) {
  LOCKED({
    struct inode *f = lookup(path);
    if (f == NULL) {
      res_ = -ENOENT;
      break;
    }
    if (f->is_dir) {
      res_ = -EISDIR;
      break;
    }
    if (frozen && (fi->flags & O_ACCMODE) != O_RDONLY) {
      st_frozen_refused++;
      res_ = -EIO;
      break;
    }
    /* libfuse asks for atomic O_TRUNC: the open itself truncates. */
    if ((fi->flags & O_TRUNC) && (res_ = truncate_file(f, 0)) < 0) break;
    f->open++;
    fi->fh = (uint64_t)(uintptr_t)f;
  });
}

static int op_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  LOCKED({
    struct inode *f = (struct inode *)(uintptr_t)fi->fh;
    f->open--;
    maybe_free(f);
  });
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi) {
  LOCKED({
    struct inode *f = file_of(path, fi);
    if (f == NULL) {
      res_ = -ENOENT;
      break;
    }
    if (off >= f->size) break;
    if ((int64_t)size > f->size - off) size = (size_t)(f->size - off);
    size_t done = 0;
    unsigned char tmp[PG];
    while (done < size) {
      int64_t pos = off + (int64_t)done;
      size_t p = (size_t)(pos / PG), in = (size_t)(pos % PG);
      size_t n = PG - in < size - done ? PG - in : size - done;
      const unsigned char *src;
      if (p < f->npages_cap && f->pages[p] != NULL) {
        src = f->pages[p];
      } else {
        if ((res_ = fill_from_backing(f, p, tmp)) < 0) break;
        src = tmp;
      }
      memcpy(buf + done, src + in, n);
      done += n;
    }
    if (res_ == 0) res_ = (int)done;
  });
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi) {
  LOCKED({
    REFUSE_IF_FROZEN();
    struct inode *f = file_of(path, fi);
    if (f == NULL) {
      res_ = -ENOENT;
      break;
    }
    int err = fault(RULE_WRITE, f->name);
    if (err) {
      st_write_failed++;
      res_ = -err;
      break;
    }
    size_t done = 0;
    while (done < size) {
      int64_t pos = off + (int64_t)done;
      size_t p = (size_t)(pos / PG), in = (size_t)(pos % PG);
      size_t n = PG - in < size - done ? PG - in : size - done;
      unsigned char *pg;
      if ((res_ = page_for_write(f, p, &pg)) < 0) break;
      memcpy(pg + in, buf + done, n);
      done += n;
    }
    if (res_ < 0) break;
    if (off + (int64_t)size > f->size) f->size = off + (int64_t)size;
    f->pending = 1;
    now(&f->mtime);
    f->ctime = f->mtime;
    st_writes++;
    res_ = (int)size;
  });
}

/* Sets the live size; bytes past a shrink read as zeros until rewritten [2]. */
static int truncate_file(struct inode *f, int64_t size) {
  if (size < f->size) {
    if (size % PG != 0) {
      unsigned char *pg;
      int r = page_for_write(f, (size_t)(size / PG), &pg);
      if (r < 0) return r;
      memset(pg + size % PG, 0, PG - size % PG);
    }
    size_t first_gone = (size_t)((size + PG - 1) / PG);
    for (size_t p = first_gone; p < f->npages_cap; p++) {
      if (f->pages[p] != NULL) {
        free(f->pages[p]);
        f->pages[p] = NULL;
        f->pages_in_memory--;
      }
    }
    if (size < f->trunc_floor) f->trunc_floor = size;
  }
  f->size = size;
  f->pending = 1;
  now(&f->mtime);
  f->ctime = f->mtime;
  return 0;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  LOCKED({
    REFUSE_IF_FROZEN();
    struct inode *f = file_of(path, fi);
    if (f == NULL) {
      res_ = -ENOENT;
      break;
    }
    if (f->is_dir) {
      res_ = -EISDIR;
      break;
    }
    res_ = truncate_file(f, size);
  });
}

static int op_unlink(const char *path) {
  LOCKED({
    REFUSE_IF_FROZEN();
    struct inode *parent;
    const char *name;
    if ((res_ = parent_of(path, &parent, &name)) < 0) break;
    struct entry *e = entries_find(&parent->live, name);
    if (e == NULL) {
      res_ = -ENOENT;
      break;
    }
    struct inode *f = e->ino;
    if (f->is_dir) {
      res_ = -EISDIR;
      break;
    }
    entries_remove(&parent->live, e);
    f->nlink--;
    maybe_free(f);
  });
}

static int op_rename(const char *from, const char *to, unsigned int flags) {
  LOCKED({
    REFUSE_IF_FROZEN();
    if (flags & ~(unsigned)RENAME_NOREPLACE) {
      res_ = -EINVAL;
      break;
    }
    struct inode *sp, *dp;
    const char *sname, *dname;
    if ((res_ = parent_of(from, &sp, &sname)) < 0) break;
    if ((res_ = parent_of(to, &dp, &dname)) < 0) break;
    struct entry *se = entries_find(&sp->live, sname);
    if (se == NULL) {
      res_ = -ENOENT;
      break;
    }
    struct inode *moving = se->ino;
    struct entry *de = entries_find(&dp->live, dname);
    if (de != NULL && de->ino == moving) break;
    if (de != NULL && (flags & RENAME_NOREPLACE)) {
      res_ = -EEXIST;
      break;
    }
    if (moving->is_dir) {
      /* Directories are renamed in BACKING at once [3]; onto an existing name is not supported. */
      if (de != NULL) {
        res_ = -EEXIST;
        break;
      }
      for (struct inode *a = dp; a != NULL; a = a->parent) {
        if (a == moving) {
          res_ = -EINVAL;
          break;
        }
      }
      if (res_ < 0) break;
      char a[PATH_MAX], b[PATH_MAX], d[PATH_MAX];
      backing_dir(moving, a, sizeof a);
      backing_dir(dp, d, sizeof d);
      snprintf(b, sizeof b, "%s/%s", d, dname);
      if (rename(a, b) < 0) {
        res_ = -errno;
        break;
      }
      entries_remove(&sp->live, se);
      free(moving->name);
      moving->name = strdup(dname);
      moving->parent = dp;
      entries_add(&dp->live, dname, moving);
      break;
    }
    if (de != NULL) {
      if (de->ino->is_dir) {
        res_ = -EISDIR;
        break;
      }
      struct inode *replaced = de->ino;
      entries_remove(&dp->live, de);
      replaced->nlink--;
      maybe_free(replaced);
    }
    se = entries_find(&sp->live, sname); /* entries_remove may have moved it */
    entries_remove(&sp->live, se);
    entries_add(&dp->live, dname, moving);
    free(moving->name);
    moving->name = strdup(dname);
    now(&moving->ctime);
  });
}

static int op_link(const char *from, const char *to) {
  (void)from;
  (void)to;
  return -EPERM;
}

static int op_symlink(const char *from, const char *to) {
  (void)from;
  (void)to;
  return -EPERM;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)datasync;
  LOCKED({
    struct inode *f = file_of(path, fi);
    if (f == NULL) {
      res_ = -ENOENT;
      break;
    }
    res_ = fsync_file(f);
  });
}

static int op_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)datasync;
  LOCKED({
    if (frozen) {
      st_frozen_refused++;
      res_ = -EIO;
      break;
    }
    struct inode *d = file_of(path, fi);
    if (d == NULL || !d->is_dir) {
      res_ = d ? -ENOTDIR : -ENOENT;
      break;
    }
    int err = fault(RULE_FSYNC, d == root ? "/" : d->name);
    if (err) {
      st_fsync_failed++;
      res_ = -err;
      break;
    }
    res_ = fsync_dir(d);
  });
}

static int op_flush(const char *path, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  return 0;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  LOCKED({
    struct inode *f = file_of(path, fi);
    if (f == NULL) {
      res_ = -ENOENT;
      break;
    }
    f->mode = mode & 07777;
    now(&f->ctime);
  });
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  (void)path;
  (void)uid;
  (void)gid;
  (void)fi;
  return 0;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  LOCKED({
    struct inode *f = file_of(path, fi);
    if (f == NULL) {
      res_ = -ENOENT;
      break;
    }
    struct timespec t;
    now(&t);
    f->atime = tv[0].tv_nsec == UTIME_NOW ? t : tv[0].tv_nsec == UTIME_OMIT ? f->atime : tv[0];
    f->mtime = tv[1].tv_nsec == UTIME_NOW ? t : tv[1].tv_nsec == UTIME_OMIT ? f->mtime : tv[1];
  });
}

static int op_statfs(const char *path, struct statvfs *st) {
  (void)path;
  return statvfs(backing_root, st) < 0 ? -errno : 0;
}

static void op_destroy(void *data) { (void)data; }

static const struct fuse_operations ops = {
    .init = op_init,
    .destroy = op_destroy,
    .getattr = op_getattr,
    .readdir = op_readdir,
    .opendir = op_opendir,
    .mkdir = op_mkdir,
    .rmdir = op_rmdir,
    .create = op_create,
    .open = op_open,
    .release = op_release,
    .read = op_read,
    .write = op_write,
    .truncate = op_truncate,
    .unlink = op_unlink,
    .rename = op_rename,
    .link = op_link,
    .symlink = op_symlink,
    .fsync = op_fsync,
    .fsyncdir = op_fsyncdir,
    .flush = op_flush,
    .chmod = op_chmod,
    .chown = op_chown,
    .utimens = op_utimens,
    .statfs = op_statfs,
};

/* ---- start: load BACKING ---------------------------------------------------------------- */

static void remove_priv(void) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/%s", backing_root, PRIV);
  DIR *d = opendir(p);
  if (d == NULL) return;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    unlinkat(dirfd(d), de->d_name, 0);
  }
  closedir(d);
  rmdir(p);
}

static void load_dir(struct inode *dir, const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) die("cannot read %s: %s", path, strerror(errno));
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    if (dir == root && strcmp(de->d_name, PRIV) == 0) continue;
    char child[PATH_MAX];
    snprintf(child, sizeof child, "%s/%s", path, de->d_name);
    struct stat st;
    if (lstat(child, &st) < 0) die("cannot stat %s: %s", child, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
      struct inode *c = inode_new(1, st.st_mode, de->d_name);
      c->parent = dir;
      c->mtime = st.st_mtim;
      entries_add(&dir->live, de->d_name, c);
      load_dir(c, child);
    } else if (S_ISREG(st.st_mode)) {
      if (st.st_nlink != 1) die("%s has %lu links; hard links are not supported", child,
                                (unsigned long)st.st_nlink);
      struct inode *f = inode_new(0, st.st_mode, de->d_name);
      char n[32];
      priv_name(f->id, n, sizeof n);
      if (linkat(AT_FDCWD, child, priv_fd, n, 0) < 0) die("cannot link %s: %s", child,
                                                          strerror(errno));
      f->backfd = openat(priv_fd, n, O_RDWR | O_CLOEXEC);
      if (f->backfd < 0) die("cannot open %s: %s", child, strerror(errno));
      f->size = st.st_size;
      f->mtime = st.st_mtim;
      f->nlink = f->dnlink = 1;
      entries_add(&dir->live, de->d_name, f);
      entries_add(&dir->durable, de->d_name, f);
    } else {
      die("%s is neither a file nor a directory; only those are supported", child);
    }
  }
  closedir(d);
}

/* ---- control socket --------------------------------------------------------------------- */

static int parse_errno(const char *s) {
  if (strcmp(s, "EIO") == 0) return EIO;
  if (strcmp(s, "ENOSPC") == 0) return ENOSPC;
  if (strcmp(s, "EDQUOT") == 0) return EDQUOT;
  return 0;
}

static void add_rule(enum rule_kind kind, long count, int err, const char *match) {
  struct rule *r = xcalloc(1, sizeof *r);
  r->kind = kind;
  r->count = count;
  r->err = err;
  snprintf(r->match, sizeof r->match, "%s", match ? match : "");
  struct rule **tail = &rules;
  while (*tail) tail = &(*tail)->next;
  *tail = r;
}

static size_t memory_bytes(struct inode *dir) {
  size_t n = 0;
  for (size_t i = 0; i < dir->live.n; i++) {
    struct inode *c = dir->live.v[i].ino;
    n += c->is_dir ? memory_bytes(c) : c->pages_in_memory * PG;
  }
  return n;
}

/* A torn cut: some unsynced pages reach the disk, in no order (as background writeback and a
 * disk's write cache may leave them), the others are lost. */
struct torn {
  int percent;
  unsigned long long state;
  unsigned long kept, dropped;
};

static int torn_keep(struct torn *t) {
  t->state = t->state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((t->state >> 33) % 100) < t->percent;
}

static void keep_torn(struct inode *dir, struct torn *t) {
  for (size_t i = 0; i < dir->live.n; i++) {
    struct inode *c = dir->live.v[i].ino;
    if (c->is_dir) {
      keep_torn(c, t);
      continue;
    }
    for (size_t p = 0; p < c->npages_cap; p++) {
      if (c->pages[p] == NULL) continue;
      int64_t start = (int64_t)p * PG;
      if (start >= c->size || !torn_keep(t)) {
        t->dropped++;
        continue;
      }
      size_t n = c->size - start < PG ? (size_t)(c->size - start) : PG;
      if (pwrite(c->backfd, c->pages[p], n, start) == (ssize_t)n) t->kept++;
    }
  }
}

/* Handles one command line; writes the reply (one line) into out. */
static void command(char *line, char *out, size_t len) {
  char *argv[4] = {0};
  int argc = 0;
  char *save = NULL;
  for (char *w = strtok_r(line, " \t\r", &save); w && argc < 4; w = strtok_r(NULL, " \t\r", &save))
    argv[argc++] = w;
  if (argc == 0) {
    snprintf(out, len, "ERR empty command");
    return;
  }
  pthread_mutex_lock(&big_lock);
  if (strcmp(argv[0], "ping") == 0) {
    snprintf(out, len, "OK");
  } else if (strcmp(argv[0], "cut") == 0 && argc == 1) {
    frozen = 1;
    snprintf(out, len, "OK frozen");
  } else if (strcmp(argv[0], "cut") == 0 && argc == 3) {
    char *e1, *e2;
    long percent = strtol(argv[1], &e1, 10);
    unsigned long long seed = strtoull(argv[2], &e2, 10);
    if (*e1 || *e2 || percent < 0 || percent > 100) {
      snprintf(out, len, "ERR cut [KEEP-PERCENT SEED]: KEEP-PERCENT from 0 to 100");
    } else if (frozen) {
      snprintf(out, len, "ERR already cut");
    } else {
      struct torn t = {.percent = (int)percent, .state = seed * 2654435761ULL + 1};
      keep_torn(root, &t);
      frozen = 1;
      snprintf(out, len, "OK frozen kept=%lu dropped=%lu", t.kept, t.dropped);
    }
  } else if (strcmp(argv[0], "sync") == 0) {
    if (frozen) {
      snprintf(out, len, "ERR frozen: a cut file system makes nothing durable");
    } else {
      int r = sync_all(root);
      if (r < 0) snprintf(out, len, "ERR sync failed: %s", strerror(-r));
      else snprintf(out, len, "OK");
    }
  } else if (strcmp(argv[0], "fail-fsync") == 0 && (argc == 2 || argc == 3)) {
    char *end;
    long n = strtol(argv[1], &end, 10);
    if (*end || n == 0 || n < -1) {
      snprintf(out, len, "ERR fail-fsync COUNT [NAME-PART]: COUNT is a positive number or -1");
    } else {
      add_rule(RULE_FSYNC, n, EIO, argc == 3 ? argv[2] : NULL);
      snprintf(out, len, "OK");
    }
  } else if (strcmp(argv[0], "fail-write") == 0 && (argc == 3 || argc == 4)) {
    char *end;
    long n = strtol(argv[1], &end, 10);
    int err = parse_errno(argv[2]);
    if (*end || n == 0 || n < -1 || err == 0) {
      snprintf(out, len,
               "ERR fail-write COUNT ERRNO [NAME-PART]: COUNT positive or -1, ERRNO one of "
               "EIO ENOSPC EDQUOT");
    } else {
      add_rule(RULE_WRITE, n, err, argc == 4 ? argv[3] : NULL);
      snprintf(out, len, "OK");
    }
  } else if (strcmp(argv[0], "clear") == 0) {
    while (rules) {
      struct rule *r = rules;
      rules = r->next;
      free(r);
    }
    snprintf(out, len, "OK");
  } else if (strcmp(argv[0], "stats") == 0) {
    snprintf(out, len,
             "OK fsyncs=%lu fsync_failed=%lu dirsyncs=%lu writes=%lu write_failed=%lu "
             "frozen=%d frozen_refused=%lu unsynced_bytes=%zu",
             st_fsyncs, st_fsync_failed, st_dirsyncs, st_writes, st_write_failed, frozen,
             st_frozen_refused, memory_bytes(root));
  } else if (strcmp(argv[0], "unmount") == 0) {
    pthread_mutex_unlock(&big_lock);
    /* The kernel flushes dirty pages while unmounting: the FUSE thread must be free to answer. */
    int r = umount2(mount_point, 0);
    if (r < 0 && errno == EBUSY) r = umount2(mount_point, MNT_DETACH);
    if (r < 0) snprintf(out, len, "ERR unmount failed: %s", strerror(errno));
    else snprintf(out, len, "OK");
    return;
  } else {
    snprintf(out, len,
             "ERR unknown command '%s'; commands: ping, cut [KEEP-PERCENT SEED], sync, fail-fsync COUNT [NAME-PART], "
             "fail-write COUNT ERRNO [NAME-PART], clear, stats, unmount",
             argv[0]);
  }
  pthread_mutex_unlock(&big_lock);
}

static void *control_loop(void *arg) {
  int srv = (int)(intptr_t)arg;
  for (;;) {
    int c = accept(srv, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      return NULL;
    }
    FILE *in = fdopen(c, "r");
    char line[1024], reply[1024];
    while (fgets(line, sizeof line, in) != NULL) {
      line[strcspn(line, "\n")] = '\0';
      command(line, reply, sizeof reply);
      size_t n = strlen(reply);
      reply[n++] = '\n';
      if (write(c, reply, n) != (ssize_t)n) break;
    }
    fclose(in);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: powerlossfs BACKING MOUNTPOINT CONTROL_SOCKET\n");
    return 2;
  }
  backing_root = realpath(argv[1], NULL);
  mount_point = realpath(argv[2], NULL);
  control_path = argv[3];
  if (backing_root == NULL) die("backing directory %s: %s", argv[1], strerror(errno));
  if (mount_point == NULL) die("mount point %s: %s", argv[2], strerror(errno));

  remove_priv(); /* links left by a process that died: the files only they held are lost */
  char priv[PATH_MAX];
  snprintf(priv, sizeof priv, "%s/%s", backing_root, PRIV);
  if (mkdir(priv, 0700) < 0) die("cannot create %s: %s", priv, strerror(errno));
  priv_fd = open(priv, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (priv_fd < 0) die("cannot open %s: %s", priv, strerror(errno));
  struct stat rst;
  if (stat(backing_root, &rst) < 0) die("cannot stat %s", backing_root);
  root = inode_new(1, rst.st_mode, "");
  load_dir(root, backing_root);

  int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(control_path) >= sizeof addr.sun_path) die("control socket path too long");
  strcpy(addr.sun_path, control_path);
  unlink(control_path);
  if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(srv, 4) < 0)
    die("control socket %s: %s", control_path, strerror(errno));

  char *fargv[] = {argv[0], "-o", "fsname=powerlossfs,subtype=powerlossfs", NULL};
  struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
  the_fuse = fuse_new(&args, &ops, sizeof ops, NULL);
  if (the_fuse == NULL) die("fuse_new failed");
  if (fuse_mount(the_fuse, mount_point) != 0) die("cannot mount on %s", mount_point);
  if (fuse_set_signal_handlers(fuse_get_session(the_fuse)) != 0) die("signal handlers");
  pthread_t ctl;
  pthread_create(&ctl, NULL, control_loop, (void *)(intptr_t)srv);
  printf("READY %s\n", mount_point);
  fflush(stdout);
  int r = fuse_loop(the_fuse);
  fuse_remove_signal_handlers(fuse_get_session(the_fuse));
  fuse_unmount(the_fuse);
  /* Everything not durable is dropped here: BACKING already holds exactly the durable state. */
  pthread_mutex_lock(&big_lock);
  close(srv);
  unlink(control_path);
  remove_priv();
  printf("EXIT %s\n", frozen ? "after cut" : "unmounted");
  fflush(stdout);
  _exit(r == 0 ? 0 : 1);
}
