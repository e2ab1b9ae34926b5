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

/* libxml2 prints some messages (its "Unimplemented block" notes) straight to standard error
   through the generic error handler, which is per thread; errors that matter reach the
   structured handlers the reader installs. The handler is variadic, which Swift cannot write. */
static inline void cxml_generic_error_ignored(void *context, const char *message, ...) { (void)context; (void)message; }
static inline void cxml_silence_generic_errors(void) { xmlSetGenericErrorFunc(NULL, cxml_generic_error_ignored); }
#endif
