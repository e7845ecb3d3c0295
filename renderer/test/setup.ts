// Each component test starts from an empty page: unmount what the last one rendered.
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(cleanup);
