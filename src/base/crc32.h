/* crc32.h: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's
 * crc32): carry-less multiplication folding where the processor has it,
 * else slicing by 8 bytes with tables built once per process. */
#ifndef SELFMI_CRC32_H
#define SELFMI_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of n bytes, continuing from crc (start with 0). */
uint32_t sm_crc32(uint32_t crc, const void *data, size_t n);

#endif
