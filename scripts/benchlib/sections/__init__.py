"""One module per measured comparison; each exposes `measure(ctx) -> dict`."""
