/* Functions goscope never uses: unbounded copies, unchecked conversions and non-reentrant time
 * functions. goscope/core.h includes it after the system headers that declare them, so every
 * file that includes core.h gets a compile error on a use. */
#ifndef GOSCOPE_BANNED_H
#define GOSCOPE_BANNED_H

#define GS_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) GS_BANNED(strcpy)
#undef strcat
#define strcat(x, y) GS_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) GS_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) GS_BANNED(strncat)
#undef sprintf
#define sprintf(...) GS_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) GS_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) GS_BANNED(strtok)
#undef gets
#define gets(x) GS_BANNED(gets)
#undef atoi
#define atoi(x) GS_BANNED(atoi)
#undef atol
#define atol(x) GS_BANNED(atol)
#undef gmtime
#define gmtime(x) GS_BANNED(gmtime)
#undef localtime
#define localtime(x) GS_BANNED(localtime)
#undef ctime
#define ctime(x) GS_BANNED(ctime)
#undef asctime
#define asctime(x) GS_BANNED(asctime)

#endif
