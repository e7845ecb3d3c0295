import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./components/App.js";
import { useStore } from "./store.js";
import { createTransport } from "./transport.js";
import "./styles.css";

void useStore.getState().attach(createTransport());
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
