"""SoMe-flyt on top of its parts: the CLI, and the wiring of the web app to the worker's queue."""
