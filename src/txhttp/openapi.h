/* openapi.h: txhttp's OpenAPI document (openapi.c) and its page (page.c). */
#ifndef TXHTTP_OPENAPI_H
#define TXHTTP_OPENAPI_H

extern const char txhttp_openapi[];
extern const char txhttp_page[];

#endif
