// --pre-js of the node driver: the program sees node's environment (FUGUE_SEED, FUGUE_STRATEGY,
// FUGUE_CRASH_DIR, FUGUE_PCAP_DIR, ...); emscripten's getenv otherwise knows only its own few
Module['preRun'] = (Module['preRun'] || []).concat([function () { Object.assign(ENV, process.env); }]);
