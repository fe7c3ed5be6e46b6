"""Modelfiles used by several test modules.

`COMMUNITY_LLAMA3_KO` is a verbatim copy of the popular Korean-community Modelfile
(`community-llama3-ko.Modelfile`): a template written for EEVE (`<s>Human: …
<s>Assistant:`, `stop <s>`) put on a Llama-3 base model GGUF with a 4096 context.
"""

COMMUNITY_LLAMA3_KO = '''FROM Llama-3-Open-Ko-8B-Q8_0.gguf

TEMPLATE """{{- if .System }}
<s>{{ .System }}</s>
{{- end }}
<s>Human:
{{ .Prompt }}</s>
<s>Assistant:
"""

SYSTEM """A chat between a curious user and an artificial intelligence assistant. \
The assistant gives helpful, detailed, and polite answers to the user's questions."""

PARAMETER temperature 0
PARAMETER num_predict 3000
PARAMETER num_ctx 4096
PARAMETER stop <s>
PARAMETER stop </s>
'''
