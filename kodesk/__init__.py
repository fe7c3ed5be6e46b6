"""kodesk: a tray assistant that puts a local Korean-capable LLM one hotkey away."""

__version__ = "0.1.0"
