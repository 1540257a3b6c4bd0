/* openapi.h: txhttp's OpenAPI document (openapi.c). */
#ifndef TXHTTP_OPENAPI_H
#define TXHTTP_OPENAPI_H

extern const char txhttp_openapi[];

#endif
