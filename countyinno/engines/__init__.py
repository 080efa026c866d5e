"""Pure-Python computational cores. Nothing under engines/ may import Django."""
