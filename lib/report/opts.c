/* Defaults of the report options: the same as pprof's. */
#include "goscope/report.h"

void gs_report_opts_init(struct gs_report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->divide_by = 1;
	o->unit = "minimum";
	o->nodecount = -1;
	o->nodefraction = 0.005;
	o->edgefraction = 0.001;
	o->trim = true;
}
