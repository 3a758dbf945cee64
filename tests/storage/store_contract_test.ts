// Runs the Store contract suite against the KV store (a temp data root) and the memory store.
import { openKvStore, openMemoryStore } from "../../storage/mod.ts";
import { storeContract } from "./store_contract.ts";

storeContract("openKvStore", (dataRoot, options) => openKvStore({ dataRoot, ...options }));
storeContract("openMemoryStore", (dataRoot, options) => openMemoryStore({ dataRoot, ...options }));
