// A form field: a label wrapping its text input, the pair every form here repeats. Wrapping
// (rather than for= and an id) is what lets the label name the input.
import type { InputHTMLAttributes, ReactNode } from "react";

type InputProps = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  "value" | "onChange" | "className" | "children"
>;

export interface FieldProps extends InputProps {
  label: string;
  value: string;
  onChange(value: string): void;
  /** The label's class, for layout. */
  className?: string;
  /** After the input, inside the label: what is wrong with the value, say. */
  children?: ReactNode;
}

export function Field({ label, value, onChange, className, children, ...input }: FieldProps) {
  return (
    <label className={className}>
      {label}
      <input {...input} value={value} onChange={(event) => onChange(event.target.value)} />
      {children}
    </label>
  );
}
