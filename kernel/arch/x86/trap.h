// x86 traps: the IDT and the C side of every vector. Kernel only.
#pragma once

#include "kernel/arch/x86/trapframe.h"

extern "C" void x86_trap(pagoda::x86::TrapFrame* tf);

namespace pagoda::x86 {

void idt_init();     // build the table once (boot CPU)
void idt_load();     // lidt on this CPU
void pic_disable();  // mask the legacy 8259 PICs: interrupts come through the APICs
const char* trap_name(uint32_t trapno);

}  // namespace pagoda::x86
