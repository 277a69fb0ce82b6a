"""Generated protobuf code for the journeymine API (see proto/generate.py)."""
