// Confirming an email address with the link from the sign-up email.

import { browserTest, DESKTOP, PHONE, visible } from '../lib/browser.mjs';
import { emailedMatch, freshUser, registerThroughApi } from '../lib/people.mjs';

browserTest('the emailed link confirms the address once and offers a new link after', async (session) => {
  const user = freshUser();
  await registerThroughApi(user);
  const link = await emailedMatch(user.email, /http\S+\/verify-email\?token=\S+/);
  const path = new URL(link).pathname + new URL(link).search;

  const page = await session.open(path, { viewport: DESKTOP, label: 'desktop' });
  await visible(page.getByRole('heading', { name: 'Your email address is confirmed', level: 1 }));
  await visible(page.getByRole('link', { name: 'Go to your account' }));
  await session.screenshot(page, 'confirmed');

  const again = await session.open(path, { viewport: PHONE, label: 'phone' });
  await visible(again.getByRole('heading', { name: 'This link did not work', level: 1 }));
  await again.getByLabel('Your email address').fill(user.email);
  await again.getByRole('button', { name: 'Send a new link' }).click();
  await visible(again.getByText('If that address is waiting to be confirmed, a new link is on its way.'));
  await session.screenshot(again, 'used-link');
});
