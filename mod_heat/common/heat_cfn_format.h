/* heat_cfn_format.h: how heat-api-cfn writes its answers: the XML of
 * heat.common.serializers.XMLResponseSerializer (lxml) and the JSON of JSONResponseSerializer.
 *
 * The document is a JSON value built in the order heat's controllers build their dicts;
 * jansson keeps insertion order, so the elements come out in that order. Scalars are written
 * as Python's str() writes them (None, True, False, 60, 1.5). */
#ifndef HEAT_CFN_FORMAT_H
#define HEAT_CFN_FORMAT_H

#include <apr_pools.h>
#include <jansson.h>

/* str() of the Python value json.loads would give for a scalar: None, True, False, ints,
 * floats (heat_py_float), strings as they are. Arrays and objects: their JSON text. */
const char *heat_cfn_py_str(apr_pool_t *p, const json_t *v);

/* Whether s is a name lxml accepts for an element: an XML 1.0 (5th edition) Name without ':'.
 * lxml would read a leading "{ns}" as a namespace; mod_heat refuses it (never seen in heat). */
int heat_cfn_xml_name_ok(const char *s);

/* Text as lxml writes it with etree.tostring's default ASCII encoding: & < > and \r as
 * references, every non-ASCII character as &#N;. NULL (and *error) when the text holds a
 * character XML cannot carry (NUL and other controls except tab/newline/return, U+FFFE,
 * U+FFFF, invalid UTF-8): lxml raises ValueError there. */
const char *heat_cfn_xml_text(apr_pool_t *p, const char *text, const char **error);

/* XMLResponseSerializer.to_xml(doc): the root element is doc's first key; a dict gives one
 * child per key, a list one <member> per item, a scalar its str() as text; the keys
 * TemplateBody and Metadata hold their value as JSON text (empty element when the value is
 * falsy). No XML declaration, no namespace. NULL (and *error) where lxml would raise: a key
 * that is not an XML name, text with a character XML cannot carry, doc not a non-empty object. */
char *heat_cfn_xml(apr_pool_t *p, const json_t *doc, const char **error);

#endif
