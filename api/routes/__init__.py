"""The HTTP routers, one module per resource; ``base`` holds what they share."""
