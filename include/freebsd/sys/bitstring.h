/*
 * <sys/bitstring.h> for ported FreeBSD drivers: bitstring(3), arrays of bits.
 *
 * A bit string is an array of bitstr_t words (unsigned long, as in FreeBSD); bit n is bit
 * (n % 64) of word n / 64. Ranges are inclusive [start, stop] for bit_nset/bit_nclear/
 * bit_ntest, and [start, nbits) for the searches, which store the bit found, or -1, in
 * *result. Bits past nbits in the last word are never looked at by the searches.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_BITSTRING_H_
#define _BSDSYNC_FREEBSD_SYS_BITSTRING_H_

#include <sys/types.h>
#include <sys/malloc.h>

typedef unsigned long bitstr_t;

#define _BITSTR_BITS	((int)(sizeof(bitstr_t) * 8))
#define _BITSTR_MASK	(~0UL)

static inline int _bit_idx(int bit)
{
	return bit / _BITSTR_BITS;
}
static inline int _bit_offset(int bit)
{
	return bit % _BITSTR_BITS;
}
static inline bitstr_t _bit_mask(int bit)
{
	return 1UL << _bit_offset(bit);
}
/* The bits of one word from offset start to offset stop, both included. */
static inline bitstr_t _bit_make_mask(int start, int stop)
{
	return (_BITSTR_MASK << _bit_offset(start)) &
	       (_BITSTR_MASK >> (_BITSTR_BITS - _bit_offset(stop) - 1));
}

/* Set bits in a word (SWAR: the kernel has no libgcc for __builtin_popcountl). */
static inline int _bit_popcount(bitstr_t w)
{
	w = w - ((w >> 1) & 0x5555555555555555UL);
	w = (w & 0x3333333333333333UL) + ((w >> 2) & 0x3333333333333333UL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fUL;
	return (int)((w * 0x0101010101010101UL) >> 56);
}

/* Bytes for nbits bits (whole words). */
#define bitstr_size(nbits)							\
	((size_t)((((nbits) + _BITSTR_BITS - 1) / _BITSTR_BITS) * sizeof(bitstr_t)))

/* A zeroed bit string on the heap (free with free(bitstr, type)). */
static inline bitstr_t *bit_alloc(int nbits, struct malloc_type *type, int flags)
{
	return (bitstr_t *)fbsd_malloc(bitstr_size(nbits), type, flags | M_ZERO,
				       __FILE__, __LINE__);
}

/* A bit string variable: bitstr_t bit_decl(name, nbits); */
#define bit_decl(name, nbits)	((name)[bitstr_size(nbits) / sizeof(bitstr_t)])

static inline bool bit_test(const bitstr_t *bitstr, int bit)
{
	return (bitstr[_bit_idx(bit)] & _bit_mask(bit)) != 0;
}
static inline void bit_set(bitstr_t *bitstr, int bit)
{
	bitstr[_bit_idx(bit)] |= _bit_mask(bit);
}
static inline void bit_clear(bitstr_t *bitstr, int bit)
{
	bitstr[_bit_idx(bit)] &= ~_bit_mask(bit);
}

/* Whether every bit in [start, stop] is `match` (true: set, false: clear). */
static inline bool bit_ntest(const bitstr_t *bitstr, int start, int stop, int match)
{
	int s = _bit_idx(start), e = _bit_idx(stop);
	bitstr_t want = match ? _BITSTR_MASK : 0;

	if (start > stop)
		return true;
	if (s == e)
		return ((bitstr[s] ^ want) & _bit_make_mask(start, stop)) == 0;
	if ((bitstr[s] ^ want) & _bit_make_mask(start, _BITSTR_BITS - 1))
		return false;
	for (int i = s + 1; i < e; i++)
		if (bitstr[i] != want)
			return false;
	return ((bitstr[e] ^ want) & _bit_make_mask(0, stop)) == 0;
}

/* Set or clear every bit in [start, stop]. */
static inline void __bit_nchange(bitstr_t *bitstr, int start, int stop, int set)
{
	int s = _bit_idx(start), e = _bit_idx(stop);

	if (start > stop)
		return;
	for (int i = s; i <= e; i++) {
		bitstr_t m = _bit_make_mask(i == s ? start : 0,
					    i == e ? stop : _BITSTR_BITS - 1);
		if (set)
			bitstr[i] |= m;
		else
			bitstr[i] &= ~m;
	}
}
static inline void bit_nset(bitstr_t *bitstr, int start, int stop)
{
	__bit_nchange(bitstr, start, stop, 1);
}
static inline void bit_nclear(bitstr_t *bitstr, int start, int stop)
{
	__bit_nchange(bitstr, start, stop, 0);
}

/* The first bit at or after start, below nbits, equal to match; -1 if none. */
static inline void __bit_ff_at(const bitstr_t *bitstr, int start, int nbits, int match,
			       int *result)
{
	*result = -1;
	if (start < 0 || start >= nbits)
		return;
	for (int i = _bit_idx(start); i <= _bit_idx(nbits - 1); i++) {
		bitstr_t w = match ? bitstr[i] : ~bitstr[i];

		if (i == _bit_idx(start))
			w &= _BITSTR_MASK << _bit_offset(start);
		if (w != 0) {
			int bit = i * _BITSTR_BITS + __builtin_ctzl(w);

			if (bit < nbits)
				*result = bit;
			return;
		}
	}
}
static inline void bit_ffs_at(const bitstr_t *bitstr, int start, int nbits, int *result)
{
	__bit_ff_at(bitstr, start, nbits, 1, result);
}
static inline void bit_ffc_at(const bitstr_t *bitstr, int start, int nbits, int *result)
{
	__bit_ff_at(bitstr, start, nbits, 0, result);
}
static inline void bit_ffs(const bitstr_t *bitstr, int nbits, int *result)
{
	bit_ffs_at(bitstr, 0, nbits, result);
}
static inline void bit_ffc(const bitstr_t *bitstr, int nbits, int *result)
{
	bit_ffc_at(bitstr, 0, nbits, result);
}

/* The first run of `size` consecutive bits equal to match, starting at or after start and
 * ending below nbits: its first bit, or -1. */
static inline void __bit_ff_area_at(const bitstr_t *bitstr, int start, int nbits, int size,
				    int match, int *result)
{
	int first;

	*result = -1;
	if (size <= 0 || start < 0)
		return;
	for (;;) {
		int other;

		__bit_ff_at(bitstr, start, nbits, match, &first);
		if (first < 0 || nbits - first < size)
			return;
		/* The run from `first` ends at the next bit that does not match. */
		__bit_ff_at(bitstr, first, first + size, !match, &other);
		if (other < 0) {
			*result = first;
			return;
		}
		start = other + 1;
	}
}
static inline void bit_ffs_area_at(const bitstr_t *bitstr, int start, int nbits, int size,
				   int *result)
{
	__bit_ff_area_at(bitstr, start, nbits, size, 1, result);
}
static inline void bit_ffc_area_at(const bitstr_t *bitstr, int start, int nbits, int size,
				   int *result)
{
	__bit_ff_area_at(bitstr, start, nbits, size, 0, result);
}
static inline void bit_ffs_area(const bitstr_t *bitstr, int nbits, int size, int *result)
{
	bit_ffs_area_at(bitstr, 0, nbits, size, result);
}
static inline void bit_ffc_area(const bitstr_t *bitstr, int nbits, int size, int *result)
{
	bit_ffc_area_at(bitstr, 0, nbits, size, result);
}

/* The number of set bits in [start, nbits). */
static inline void bit_count(const bitstr_t *bitstr, int start, int nbits, int *result)
{
	int count = 0;

	if (start >= 0 && start < nbits) {
		int s = _bit_idx(start), e = _bit_idx(nbits - 1);

		for (int i = s; i <= e; i++) {
			bitstr_t m = _bit_make_mask(i == s ? start : 0,
						    i == e ? nbits - 1 : _BITSTR_BITS - 1);
			count += _bit_popcount(bitstr[i] & m);
		}
	}
	*result = count;
}

/* bit_foreach(bitstr, nbits, var): var takes every set bit below nbits, in order. */
#define bit_foreach_at(bitstr, start, nbits, var)				\
	for (bit_ffs_at((bitstr), (start), (nbits), &(var));			\
	     (var) != -1;							\
	     bit_ffs_at((bitstr), (var) + 1, (nbits), &(var)))
#define bit_foreach(bitstr, nbits, var)						\
	bit_foreach_at((bitstr), 0, (nbits), (var))
#define bit_foreach_unset_at(bitstr, start, nbits, var)				\
	for (bit_ffc_at((bitstr), (start), (nbits), &(var));			\
	     (var) != -1;							\
	     bit_ffc_at((bitstr), (var) + 1, (nbits), &(var)))
#define bit_foreach_unset(bitstr, nbits, var)					\
	bit_foreach_unset_at((bitstr), 0, (nbits), (var))

#endif /* !_BSDSYNC_FREEBSD_SYS_BITSTRING_H_ */
