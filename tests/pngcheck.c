/*
 * pngcheck: how much of a screenshot is not blank.  Decodes a PNG as
 * headless Chromium writes it (8-bit RGB or RGBA, not interlaced) with
 * zlib, undoes the scanline filters, and prints
 *	WIDTHxHEIGHT nonwhite N of M
 * where a pixel is non-white when any channel is below 240 (anti-aliased
 * text edges and the palest fills count), then for each RRGGBB argument
 *	RRGGBB N
 * the pixels of exactly that colour: a chart's fill, which text never has.
 * Exit 0, or 1 with a message when the file is not such a PNG.
 * Used by tests/t-night-report.sh to tell a rendered report from a blank page.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t size = 0, n;

	if (fp == NULL)
		err(1, "%s", path);
	*len = 0;
	do {
		if (*len == size &&
		    (buf = realloc(buf, size = size * 2 + 65536)) == NULL)
			err(1, "%s", path);
		n = fread(buf + *len, 1, size - *len, fp);
		*len += n;
	} while (n > 0);
	if (ferror(fp))
		err(1, "%s", path);
	fclose(fp);
	return buf;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	if (pa <= pb && pa <= pc)
		return a;
	return pb <= pc ? b : c;
}

/* Undo the filter of each scanline in place; -1 on an unknown filter. */
static int
unfilter(unsigned char *data, uint32_t width, uint32_t height, int bpp)
{
	size_t stride = (size_t)width * bpp, x;
	unsigned char *line, *prev = NULL;
	uint32_t y;
	int a, b, c;

	for (y = 0; y < height; y++) {
		line = data + y * (stride + 1) + 1;
		for (x = 0; x < stride; x++) {
			a = x >= (size_t)bpp ? line[x - bpp] : 0;
			b = prev ? prev[x] : 0;
			c = prev && x >= (size_t)bpp ? prev[x - bpp] : 0;
			switch (line[-1]) {
			case 0: break;
			case 1: line[x] += a; break;
			case 2: line[x] += b; break;
			case 3: line[x] += (a + b) / 2; break;
			case 4: line[x] += paeth(a, b, c); break;
			default: return -1;
			}
		}
		prev = line;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	unsigned char *png, *idat = NULL, *data, *px;
	size_t len, pos = 8, idat_len = 0, x;
	uLongf raw_len;
	uint32_t width = 0, height = 0, y, chunk;
	unsigned long long nonwhite = 0, *exact;
	unsigned long *colours, rgb;
	int bpp = 0, i, ncolours = argc - 2;
	char *end;

	if (argc < 2) {
		fprintf(stderr, "usage: pngcheck FILE.png [RRGGBB...]\n");
		return 2;
	}
	colours = calloc(argc, sizeof(*colours));
	exact = calloc(argc, sizeof(*exact));
	if (colours == NULL || exact == NULL)
		err(1, "colours");
	for (i = 0; i < ncolours; i++) {
		colours[i] = strtoul(argv[i + 2], &end, 16);
		if (strlen(argv[i + 2]) != 6 || *end != '\0')
			errx(2, "%s: want a colour as RRGGBB", argv[i + 2]);
	}
	png = slurp(argv[1], &len);
	if (len < 8 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0)
		errx(1, "%s: not a PNG", argv[1]);
	while (pos + 12 <= len) {
		chunk = be32(png + pos);
		if (chunk > len - pos - 12)
			errx(1, "%s: truncated chunk", argv[1]);
		if (memcmp(png + pos + 4, "IHDR", 4) == 0 && chunk >= 13) {
			width = be32(png + pos + 8);
			height = be32(png + pos + 12);
			if (png[pos + 16] != 8 || (png[pos + 17] != 2 &&
			    png[pos + 17] != 6) || png[pos + 20] != 0)
				errx(1, "%s: not 8-bit RGB or RGBA, or "
				    "interlaced", argv[1]);
			bpp = png[pos + 17] == 6 ? 4 : 3;
		} else if (memcmp(png + pos + 4, "IDAT", 4) == 0) {
			idat = realloc(idat, idat_len + chunk + 1);
			if (idat == NULL)
				err(1, "IDAT");
			memcpy(idat + idat_len, png + pos + 8, chunk);
			idat_len += chunk;
		}
		pos += 12 + chunk;
	}
	if (bpp == 0 || width == 0 || height == 0 || width > 20000 ||
	    height > 40000)
		errx(1, "%s: no usable IHDR", argv[1]);
	raw_len = (uLongf)height * ((uLongf)width * bpp + 1);
	if ((data = malloc(raw_len)) == NULL)
		err(1, "pixels");
	if (uncompress(data, &raw_len, idat, idat_len) != Z_OK ||
	    raw_len != (uLongf)height * ((uLongf)width * bpp + 1))
		errx(1, "%s: bad image data", argv[1]);
	if (unfilter(data, width, height, bpp) < 0)
		errx(1, "%s: unknown scanline filter", argv[1]);
	for (y = 0; y < height; y++) {
		px = data + y * ((size_t)width * bpp + 1) + 1;
		for (x = 0; x < width; x++, px += bpp) {
			nonwhite += px[0] < 240 || px[1] < 240 || px[2] < 240;
			rgb = (unsigned long)px[0] << 16 |
			    (unsigned long)px[1] << 8 | px[2];
			for (i = 0; i < ncolours; i++)
				exact[i] += rgb == colours[i];
		}
	}
	printf("%ux%u nonwhite %llu of %llu\n", width, height, nonwhite,
	    (unsigned long long)width * height);
	for (i = 0; i < ncolours; i++)
		printf("%s %llu\n", argv[i + 2], exact[i]);
	free(colours);
	free(exact);
	free(data);
	free(idat);
	free(png);
	return 0;
}
