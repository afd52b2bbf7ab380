package gen

import "go/types"

// The shape of an OpenAPI 3.1 document, as the model holds it: each type
// prints as its OpenAPI object, and omap keeps keys in the model's order.

// An apiDoc is the OpenAPI document of one package, <package>.openapi.json.
type apiDoc struct {
	Path string `json:"-"` // the file written (absolute)

	OpenAPI   string      `json:"openapi"`
	Generated string      `json:"x-generated"`
	Info      apiInfo     `json:"info"`
	Servers   []apiServer `json:"servers"`
	Tags      []apiTag    `json:"tags"`
	// Security is empty: stdrpc asks for no credentials of its own
	// (interceptors check what they want).
	Security   []map[string][]string `json:"security"`
	Paths      omap[omap[*apiOp]]    `json:"paths"`
	Components apiComponents         `json:"components"`
	schemaKeys map[string]*apiNamed  // named Go types, by full type string
}

type apiInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

type apiServer struct {
	URL string `json:"url"`
}

type apiTag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// An apiOp is one operation: a route of a method.
type apiOp struct {
	Tags        []string         `json:"tags"`
	Summary     string           `json:"summary"`
	Description string           `json:"description,omitempty"`
	OperationID string           `json:"operationId"`
	Deprecated  bool             `json:"deprecated,omitempty"`
	Idempotent  bool             `json:"x-idempotent,omitempty"`
	Stream      bool             `json:"x-stream,omitempty"`
	Parameters  []*apiParam      `json:"parameters"`
	RequestBody *apiBody         `json:"requestBody,omitempty"`
	Responses   omap[*apiResult] `json:"responses"`
}

// An apiParam is a path, query or header parameter, or a reference to one.
type apiParam struct {
	Ref      string      `json:"$ref,omitempty"`
	Name     string      `json:"name,omitempty"`
	In       string      `json:"in,omitempty"`
	Required bool        `json:"required,omitempty"`
	Explode  *bool       `json:"explode,omitempty"`
	Desc     string      `json:"description,omitempty"`
	Schema   *jsonSchema `json:"schema,omitempty"`
}

type apiBody struct {
	Description string          `json:"description,omitempty"`
	Required    bool            `json:"required,omitempty"`
	Content     omap[*apiMedia] `json:"content"`
}

type apiMedia struct {
	Schema *jsonSchema `json:"schema"`
}

// An apiResult is a response, or a reference to one.
type apiResult struct {
	Ref         string          `json:"$ref,omitempty"`
	Description string          `json:"description,omitempty"`
	Content     omap[*apiMedia] `json:"content,omitempty"`
}

type apiComponents struct {
	Schemas    omap[*jsonSchema] `json:"schemas"`
	Responses  omap[*apiResult]  `json:"responses"`
	Parameters omap[*apiParam]   `json:"parameters"`
}

// A jsonSchema is a JSON Schema (2020-12) as OpenAPI 3.1 uses it.
type jsonSchema struct {
	Ref                  string            `json:"$ref,omitempty"`
	Type                 any               `json:"type,omitempty"` // a name, or a list with "null"
	Format               string            `json:"format,omitempty"`
	ContentEncoding      string            `json:"contentEncoding,omitempty"`
	Description          string            `json:"description,omitempty"`
	Deprecated           bool              `json:"deprecated,omitempty"`
	Enum                 []string          `json:"enum,omitempty"`
	Const                any               `json:"const,omitempty"`
	Minimum              *int              `json:"minimum,omitempty"`
	Items                *jsonSchema       `json:"items,omitempty"`
	MinItems             *int              `json:"minItems,omitempty"`
	MaxItems             *int              `json:"maxItems,omitempty"`
	Properties           omap[*jsonSchema] `json:"properties,omitempty"`
	Required             []string          `json:"required,omitempty"`
	AdditionalProperties *jsonSchema       `json:"additionalProperties,omitempty"`
	AnyOf                []*jsonSchema     `json:"anyOf,omitempty"`
}

// omap is a JSON object whose keys keep their order.
type omap[V any] []kv[V]

type kv[V any] struct {
	Key   string
	Value V
}

func (m *omap[V]) set(key string, v V) {
	for i := range *m {
		if (*m)[i].Key == key {
			(*m)[i].Value = v
			return
		}
	}
	*m = append(*m, kv[V]{key, v})
}

func (m omap[V]) get(key string) (V, bool) {
	for _, e := range m {
		if e.Key == key {
			return e.Value, true
		}
	}
	var zero V
	return zero, false
}

// An apiNamed is a named Go type that becomes components/schemas/<Name>.
type apiNamed struct {
	t    *types.Named
	base string // its name before qualification: Page_User
	name string // the component's name
}
