// Ends the run; no output ports.
export default {
  icon: "■",
  summary: () => "End of the flow",
};
