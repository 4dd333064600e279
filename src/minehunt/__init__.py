"""minehunt: find, stop and prevent cryptojacking."""

__version__ = "0.1.0"
