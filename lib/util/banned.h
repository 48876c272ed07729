/*
 * banned.h — functions this project does not use, made into compile errors.
 *
 * Included last by every .c file in lib/ and cmd/ (through util/common.h).
 * strcpy/strcat/sprintf/vsprintf overflow silently; strtok keeps hidden state;
 * atoi/atol cannot report errors. Use ca_buf, snprintf, strtok_r or ca_parse_*.
 */
#ifndef CA_BANNED_H
#define CA_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gets
#define gets(x) BANNED(gets)

#endif
