// Placeholder: the emulator lands with issue 3.
export {};
