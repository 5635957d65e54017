/*
 * A small native-allocation probe for LossProbe's --memory mode: preloaded into the benchmark process, it counts the
 * bytes of every live malloc/calloc/realloc/posix_memalign/memalign/aligned_alloc block (malloc_usable_size) and the
 * peak since the last allocprobe_reset(). libtorch's CPU allocator ends in posix_memalign, so every tensor buffer is
 * counted; so are the small native objects of TorchSharp and the runtime.
 *
 *   gcc -O2 -shared -fPIC -o allocprobe.so allocprobe.c
 *   LD_PRELOAD=$PWD/allocprobe.so dotnet Arbloss.Losses.Benchmarks.dll --memory
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static int64_t live_bytes, peak_bytes;

static void add(void *p)
{
    if (!p) return;
    int64_t now = __atomic_add_fetch(&live_bytes, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
    int64_t peak = __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED);
    while (now > peak && !__atomic_compare_exchange_n(&peak_bytes, &peak, now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) { }
}

static void sub(void *p)
{
    if (p) __atomic_sub_fetch(&live_bytes, (int64_t)malloc_usable_size(p), __ATOMIC_RELAXED);
}

int64_t allocprobe_live(void) { return __atomic_load_n(&live_bytes, __ATOMIC_RELAXED); }
int64_t allocprobe_peak(void) { return __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED); }
void allocprobe_reset(void) { __atomic_store_n(&peak_bytes, allocprobe_live(), __ATOMIC_RELAXED); }

void *malloc(size_t n) { void *p = __libc_malloc(n); add(p); return p; }
void free(void *p) { sub(p); __libc_free(p); }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); add(p); return p; }
void *realloc(void *q, size_t n)
{
    size_t old = q ? malloc_usable_size(q) : 0;
    void *p = __libc_realloc(q, n);
    if (p || n == 0)
    {
        __atomic_sub_fetch(&live_bytes, (int64_t)old, __ATOMIC_RELAXED);
        add(p);
    }
    return p;
}
int posix_memalign(void **r, size_t a, size_t n) { void *p = __libc_memalign(a, n); if (!p) return 12; add(p); *r = p; return 0; }
void *memalign(size_t a, size_t n) { void *p = __libc_memalign(a, n); add(p); return p; }
void *aligned_alloc(size_t a, size_t n) { void *p = __libc_memalign(a, n); add(p); return p; }
