/* The error context: caps, the human detail of the last error, and progress reporting. */
#include "goscope/core.h"

void gs_ctx_init(struct gs_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->limits = (struct gs_limits){
		.decompressed_bytes = GS_LIMIT_DECOMPRESSED_BYTES,
		.input_bytes = GS_LIMIT_INPUT_BYTES,
		.samples = GS_LIMIT_SAMPLES,
		.locations = GS_LIMIT_LOCATIONS,
		.strings = GS_LIMIT_STRINGS,
		.string_bytes = GS_LIMIT_STRING_BYTES,
		.stack_depth = GS_LIMIT_STACK_DEPTH,
		.labels = GS_LIMIT_LABELS,
		.values = GS_LIMIT_VALUES,
		.output_bytes = GS_LIMIT_OUTPUT_BYTES,
		.message_bytes = GS_LIMIT_MESSAGE_BYTES,
		.goroutines = GS_LIMIT_GOROUTINES,
	};
}

int gs_ctx_err(struct gs_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int gs_ctx_prefix(struct gs_ctx *ctx, int err, const char *fmt, ...)
{
	char prefix[512], old[sizeof(ctx->errmsg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (ctx->errmsg[0])
		snprintf(old, sizeof(old), "%s", ctx->errmsg);
	else
		snprintf(old, sizeof(old), "%s", strerror(err < 0 ? -err : err));
	snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s: %s", prefix, old);
	return err;
}

const char *gs_ctx_errmsg(const struct gs_ctx *ctx)
{
	return ctx->errmsg;
}

int gs_ctx_progress(struct gs_ctx *ctx, const char *what, uint64_t done, uint64_t total)
{
	if (ctx->progress && ctx->progress(ctx->progress_arg, what, done, total))
		return -ECANCELED;
	return 0;
}
