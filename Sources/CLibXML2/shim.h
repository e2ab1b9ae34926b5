#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* The system ICU headers clash with Foundation's; the reader does not need them. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

/* xmlFree is a global function pointer, which Swift 6 rejects as shared mutable state. */
static inline void cxml_free(void *pointer) { xmlFree(pointer); }
#endif
