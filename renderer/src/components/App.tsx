import { useStore } from "../store.js";
import { ConnectionList } from "./ConnectionList.js";
import { ServiceList } from "./ServiceList.js";
import { SettingsView } from "./SettingsView.js";
import { SignIn } from "./SignIn.js";
import { StatusBar } from "./StatusBar.js";
import { ThisComputer } from "./ThisComputer.js";

export function App() {
  const desktop = useStore((s) => s.desktop);
  const page = useStore((s) => s.page);
  if (!desktop) return <main className="app loading">Connecting to Reach…</main>;
  if (page === "settings") {
    return (
      <main className="app">
        <StatusBar />
        <SettingsView settings={desktop.settings} />
      </main>
    );
  }
  if (!desktop.session.signedIn) {
    return (
      <main className="app">
        <StatusBar />
        <SignIn />
      </main>
    );
  }
  return (
    <main className="app lists">
      <StatusBar />
      <ConnectionList />
      <ServiceList />
      <ThisComputer />
    </main>
  );
}
