//! The Java Card 3.0.5 bytecode set: opcodes, operand formats, disassembly.
