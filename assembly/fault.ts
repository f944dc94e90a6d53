// The core's own abort handler (asconfig "use": abort=assembly/fault/coreAbort), so core.wasm has
// no imports. Records where it happened in the status block, latches safe-stop, then traps:
// the host sees the trap, reads this record and commands safe torque off.
import * as C from "./abi/codes";
import * as L from "./abi/layout";
import { STATUS_PTR } from "./abi/memory";
import { S_ABORT_COL, S_ABORT_FILE, S_ABORT_LINE, S_ABORT_MSG, S_FAULT_CODE, S_STATE, bumpFault, setStatusU32 } from "./abi/status";

export function coreAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  setStatusU32(S_ABORT_LINE, line);
  setStatusU32(S_ABORT_COL, column);
  setStatusU32(S_ABORT_MSG, <u32>changetype<usize>(message));
  setStatusU32(S_ABORT_FILE, <u32>changetype<usize>(fileName));
  bumpFault(C.F_CORE_ABORT);
  setStatusU32(S_FAULT_CODE, C.F_CORE_ABORT);
  setStatusU32(S_STATE, C.ST_SAFE_STOP);
  L.setf(L.X_FSM, <f64>C.ST_SAFE_STOP);
  unreachable();
}

