import { createApp } from 'vue';
import { createPinia } from 'pinia';
import { raterTokenFromPath } from './api/client';
import './styles.css';

// A rater link (`/rate/<token>/`) shows only the blind scoring view: no side bar, no router, no other
// screen is even loaded.
const raterToken = raterTokenFromPath();
if (raterToken) {
  void import('./components/humaneval/RaterApp.vue').then(({ default: RaterApp }) => createApp(RaterApp, { token: raterToken }).use(createPinia()).mount('#app'));
} else {
  void Promise.all([import('./App.vue'), import('./router')]).then(([{ default: App }, { router }]) => createApp(App).use(createPinia()).use(router).mount('#app'));
}
