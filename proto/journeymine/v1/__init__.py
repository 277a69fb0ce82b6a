"""journeymine.v1: generated from the .proto files beside this file; never edit the *_pb2 modules."""
