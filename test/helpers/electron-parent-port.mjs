// Loaded with --import into a Node child, this gives it what Electron gives a utilityProcess:
// process.parentPort, whose messages arrive as { data } events, and no process.send (so a child that
// took its child_process branch instead would fail at once). Used where no Electron binary can run, so
// that the inference process's utilityProcess branch and the main process's launcher are exercised
// with everything else real (the entry, onnxruntime, the model).
const send = process.send.bind(process);
process.send = undefined;
process.parentPort = {
  postMessage: (message) => send(message),
  on: (event, listener) => {
    if (event === 'message') process.on('message', (data) => listener({ data }));
  },
};
