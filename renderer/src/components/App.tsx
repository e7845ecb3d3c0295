import { useStore } from "../store.js";
import { ConnectionList } from "./ConnectionList.js";
import { OnDemandList } from "./OnDemandList.js";
import { ServiceList } from "./ServiceList.js";
import { SignIn } from "./SignIn.js";
import { StatusBar } from "./StatusBar.js";
import { ThisComputer } from "./ThisComputer.js";

export function App() {
  const desktop = useStore((s) => s.desktop);
  if (!desktop) return <main className="app loading">Connecting to Reach…</main>;
  if (!desktop.session.signedIn) {
    return (
      <main className="app">
        <StatusBar />
        <SignIn />
      </main>
    );
  }
  return (
    <main className="app">
      <StatusBar />
      <ConnectionList />
      <OnDemandList />
      <ServiceList />
      <ThisComputer />
    </main>
  );
}
