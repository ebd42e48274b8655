"""The process packages: one folder per process (see engine/extensions.py for the interface)."""
